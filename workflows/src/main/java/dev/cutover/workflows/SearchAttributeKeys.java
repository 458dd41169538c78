package dev.cutover.workflows;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * The search attributes of docs/plan-format.md, "The workflow contract", kept current at every
 * state change.
 */
public final class SearchAttributeKeys {
  public static final SearchAttributeKey<String> PLAN =
      SearchAttributeKey.forKeyword("CutoverPlan");
  public static final SearchAttributeKey<String> STAGE =
      SearchAttributeKey.forKeyword("CutoverStage");
  public static final SearchAttributeKey<String> STATE =
      SearchAttributeKey.forKeyword("CutoverState");
  public static final SearchAttributeKey<Long> PERCENT =
      SearchAttributeKey.forLong("CutoverPercent");

  public static final List<SearchAttributeKey<?>> ALL = List.of(PLAN, STAGE, STATE, PERCENT);

  private SearchAttributeKeys() {}
}
