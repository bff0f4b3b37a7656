package dev.idempotency.gateway.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class StoredResponseTests {

    @Test
    void statusesAreThreeDigits() {
        assertThat(StoredResponse.builder(100).build().status()).isEqualTo(100);
        assertThat(StoredResponse.builder(999).build().status()).isEqualTo(999);
        assertThatIllegalArgumentException().isThrownBy(() -> StoredResponse.builder(99)).withMessage("Not an HTTP status: 99");
        assertThatIllegalArgumentException().isThrownBy(() -> StoredResponse.builder(1000));
    }

    @Test
    void toStringNeverShowsHeaderValuesOrTheBody() {
        StoredResponse response = StoredResponse.builder(201).header("Set-Cookie", "session=secret")
            .body("{\"iban\":\"DE44\"}".getBytes()).build();
        assertThat(response).hasToString("StoredResponse[status=201, headers=1, body=15 bytes]");
    }
}
