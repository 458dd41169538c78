package dev.cutover.engine;

import dev.cutover.plan.Plan;

/**
 * One part of the {@link Engine}: it reads the plan, and reaches the other parts through the
 * engine.
 */
abstract class Part {
  final Engine engine;
  final Plan plan;

  Part(Engine engine) {
    this.engine = engine;
    this.plan = engine.plan();
  }
}
