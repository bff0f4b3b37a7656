package dev.idempotency.gateway.identity;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrustedNetworksTests {

    static InetSocketAddress peer(String address) {
        return new InetSocketAddress(address, 40000);
    }

    @Test
    void matchesIpv4Blocks() {
        TrustedNetworks networks = TrustedNetworks.of(List.of("10.0.0.0/8", "192.168.1.7", "172.16.0.0/12"));
        assertThat(networks.contains(peer("10.255.1.1"))).isTrue();
        assertThat(networks.contains(peer("11.0.0.1"))).isFalse();
        assertThat(networks.contains(peer("192.168.1.7"))).isTrue();
        assertThat(networks.contains(peer("192.168.1.8"))).isFalse();
        assertThat(networks.contains(peer("172.31.255.255"))).isTrue();
        assertThat(networks.contains(peer("172.32.0.0"))).isFalse();
        assertThat(networks.contains(peer("::1"))).isFalse();
        assertThat(networks.contains(null)).isFalse();
    }

    @Test
    void matchesIpv6BlocksAndIpv4MappedPeers() {
        TrustedNetworks networks = TrustedNetworks.of(List.of("fd00::/8", "::1/128", "10.0.0.0/8"));
        assertThat(networks.contains(peer("fd12:3456::1"))).isTrue();
        assertThat(networks.contains(peer("fe80::1"))).isFalse();
        assertThat(networks.contains(peer("::1"))).isTrue();
        assertThat(networks.contains(peer("::ffff:10.1.2.3"))).isTrue();
        assertThat(networks.contains(peer("::ffff:11.1.2.3"))).isFalse();
    }

    @Test
    void anEmptyListTrustsEverySource() {
        assertThat(TrustedNetworks.of(List.of()).contains(peer("203.0.113.9"))).isTrue();
    }

    @Test
    void refusesWhatIsNoAddressLiteral() {
        // A host name would be resolved through DNS: whoever controls DNS would choose who is trusted.
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedNetworks.of(List.of("proxy.internal/32")));
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedNetworks.of(List.of("10.0.0.0/33")));
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedNetworks.of(List.of("10.0.0/8")));
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedNetworks.of(List.of("10.0.0.0/x")));
    }
}
