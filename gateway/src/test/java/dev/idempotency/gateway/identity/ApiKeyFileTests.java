package dev.idempotency.gateway.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ApiKeyFileTests {

    @Test
    void mapsTheDigestOfAKeyToItsClient() {
        ApiKeyFile file = ApiKeyFile.parse("# comment\n\n" + "shop:1:" + ApiKeyFile.sha256Hex("k1").toUpperCase() + "\r\n"
                + "shop:1:" + ApiKeyFile.sha256Hex("k2") + "\n");
        assertThat(file.clientFor("k1")).isEqualTo("shop:1");
        assertThat(file.clientFor("k2")).isEqualTo("shop:1");
        assertThat(file.clientFor("k3")).isNull();
        assertThat(file.size()).isEqualTo(2);
    }

    @Test
    void namesTheBadLineButNeverItsContent() {
        assertThatIllegalArgumentException().isThrownBy(() -> ApiKeyFile.parse("a:" + ApiKeyFile.sha256Hex("x") + "\nsecret-key\n"))
            .withMessageContaining("line 2").withMessageNotContaining("secret-key");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiKeyFile.parse(":" + ApiKeyFile.sha256Hex("x")));
        assertThatIllegalArgumentException().isThrownBy(() -> ApiKeyFile.parse("a:abc"));
        assertThatIllegalArgumentException().isThrownBy(() -> ApiKeyFile.parse("# all keys removed\n"))
            .withMessageContaining("no 'client-id:sha256hex' line");
    }

    @Test
    void oneKeyCannotNameTwoClients() {
        String digest = ApiKeyFile.sha256Hex("shared");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiKeyFile.parse("a:" + digest + "\nb:" + digest))
            .withMessageContaining("line 2");
    }
}
