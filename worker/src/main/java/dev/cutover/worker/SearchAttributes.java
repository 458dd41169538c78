package dev.cutover.worker;

import dev.cutover.workflows.SearchAttributeKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes sure the namespace knows the four search attributes of docs/plan-format.md, "The workflow
 * contract" before any cutover runs: a workflow that upserts an unknown attribute would fail every
 * workflow task instead.
 */
public final class SearchAttributes {
  private SearchAttributes() {}

  /**
   * Registers whichever of the attributes are missing. Returns a short report; throws with advice
   * when they are missing and cannot be added (no operator permission).
   */
  public static String ensure(WorkflowServiceStubs service, String namespace) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      ListSearchAttributesResponse known;
      try {
        known =
            operator
                .blockingStub()
                .listSearchAttributes(
                    ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
          return "search attributes: this server cannot list them; assuming they are registered";
        }
        throw e;
      }
      Map<String, IndexedValueType> missing = new LinkedHashMap<>();
      for (SearchAttributeKey<?> key : SearchAttributeKeys.ALL) {
        if (!known.getCustomAttributesMap().containsKey(key.getName())) {
          missing.put(key.getName(), key.getValueType());
        }
      }
      if (missing.isEmpty()) {
        return "search attributes: all four registered";
      }
      try {
        operator
            .blockingStub()
            .addSearchAttributes(
                AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putAllSearchAttributes(missing)
                    .build());
      } catch (StatusRuntimeException e) {
        throw new IllegalStateException(
            "search attributes "
                + missing.keySet()
                + " are not registered in namespace "
                + namespace
                + " and could not be added ("
                + e.getStatus().getCode()
                + "); register them with: "
                + "temporal operator search-attribute create --namespace "
                + namespace
                + " --name CutoverPlan --type Keyword --name CutoverStage --type Keyword --name CutoverState --type Keyword"
                + " --name CutoverPercent --type Int",
            e);
      }
      return "search attributes: registered " + missing.keySet();
    } finally {
      operator.shutdown();
    }
  }
}
