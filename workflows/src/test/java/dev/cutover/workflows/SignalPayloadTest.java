package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The signal payload on the wire, through Temporal's default converter: the {@code requestId}
 * earlier senders wrote (and saved histories hold) is read and dropped; nothing else unknown is.
 */
class SignalPayloadTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();

  static SignalPayload read(String json) {
    Payload payload =
        Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
            .setData(ByteString.copyFromUtf8(json))
            .build();
    return CONVERTER.fromPayload(payload, SignalPayload.class, SignalPayload.class);
  }

  @Test
  void aPayloadWithTheRequestIdOfEarlierSendersReadsAsTheSameSignal() {
    assertThat(
            read(
                "{\"stage\":\"canary\",\"by\":\"bob\",\"comment\":null,\"reason\":\"lunch\",\"check\":null,"
                    + "\"requestId\":null,\"signedAt\":null,\"signature\":null}"))
        .isEqualTo(new SignalPayload("canary", "bob", null, "lunch", null));
    assertThat(read("{\"by\":\"bob\",\"requestId\":\"req-1\"}"))
        .isEqualTo(new SignalPayload(null, "bob", null, null, null));
  }

  @Test
  void aPayloadIsWrittenWithoutARequestId() {
    String json =
        CONVERTER
            .toPayload(new SignalPayload("canary", "alice", "ok", null, null))
            .orElseThrow()
            .getData()
            .toString(StandardCharsets.UTF_8);

    assertThat(json)
        .isEqualTo(
            "{\"stage\":\"canary\",\"by\":\"alice\",\"comment\":\"ok\",\"reason\":null,\"check\":null,"
                + "\"signedAt\":null,\"signature\":null}");
  }

  @Test
  void aConfirmCarriesItsTaskAndEveryOtherSignalIsWrittenAsBefore() {
    String json =
        CONVERTER
            .toPayload(SignalPayload.confirming("dns-ttl-lowered", "alice", null))
            .orElseThrow()
            .getData()
            .toString(StandardCharsets.UTF_8);

    assertThat(json).endsWith(",\"task\":\"dns-ttl-lowered\"}");
    assertThat(read(json)).isEqualTo(SignalPayload.confirming("dns-ttl-lowered", "alice", null));
  }

  @Test
  void anyOtherUnknownFieldIsStillRefused() {
    assertThat(catchThrowable(() -> read("{\"by\":\"bob\",\"role\":\"admin\"}")))
        .isInstanceOf(DataConverterException.class)
        .hasMessageContaining("role");
  }
}
