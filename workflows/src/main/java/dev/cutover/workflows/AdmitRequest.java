package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.PlanReader;

/**
 * A plan about to start, for the worker to hold against its own configuration (the secrets, hosts,
 * commands and files its operator allows) before anything runs. {@code plan} is the plan as the
 * workflow input carries it, its {@code ${env:...}} references unresolved; {@code rules} are the
 * rules the workflow read it by.
 */
public record AdmitRequest(String workflowId, JsonNode plan, PlanReader.Rules rules) {}
