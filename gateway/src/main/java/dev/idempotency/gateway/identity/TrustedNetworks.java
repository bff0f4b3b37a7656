package dev.idempotency.gateway.identity;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The source networks (CIDR blocks, IPv4 and IPv6) a trusted identity header may come from. Checked
 * against the TCP peer address only: {@code X-Forwarded-For} and {@code Forwarded} are written by
 * whoever sent the request, so they cannot prove where it came from.
 */
public final class TrustedNetworks {

    // Literal addresses only: InetAddress.getByName would resolve a host name through DNS.
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<Block> blocks;

    private TrustedNetworks(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** Every source is trusted: the header is believed from anywhere (the default, as before). */
    public static TrustedNetworks any() {
        return new TrustedNetworks(List.of());
    }

    /**
     * @param cidrs blocks such as {@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is a
     * single host; an empty list trusts every source
     */
    public static TrustedNetworks of(List<String> cidrs) {
        return new TrustedNetworks(cidrs.stream().map(String::strip).map(Block::parse).toList());
    }

    public boolean trustsEverySource() {
        return this.blocks.isEmpty();
    }

    /** @return whether a request from {@code peer} may carry the identity header */
    public boolean contains(InetSocketAddress peer) {
        if (this.blocks.isEmpty()) {
            return true;
        }
        if (peer == null || peer.getAddress() == null) {
            return false;
        }
        byte[] address = unmapped(peer.getAddress().getAddress());
        return this.blocks.stream().anyMatch(block -> block.matches(address));
    }

    /** ::ffff:a.b.c.d (a dual-stack socket's view of an IPv4 peer) is matched as a.b.c.d. */
    private static byte[] unmapped(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        return (address[10] == (byte) 0xff && address[11] == (byte) 0xff) ? Arrays.copyOfRange(address, 12, 16)
                : address;
    }

    @Override
    public String toString() {
        return this.blocks.isEmpty() ? "any" : this.blocks.toString();
    }

    private record Block(String spec, byte[] network, int prefixLength) {

        static Block parse(String spec) {
            int slash = spec.indexOf('/');
            String host = slash < 0 ? spec : spec.substring(0, slash);
            if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
                throw new IllegalArgumentException("Trusted network '" + spec
                        + "' is not an IPv4 or IPv6 address or CIDR block (such as 10.0.0.0/8 or fd00::/8)");
            }
            byte[] network;
            try {
                network = unmapped(InetAddress.getByName(host).getAddress());
            }
            catch (UnknownHostException ex) {
                throw new IllegalArgumentException("Trusted network '" + spec + "' has an invalid address", ex);
            }
            int bits = network.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(spec.substring(slash + 1));
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException("Trusted network '" + spec + "' has an invalid prefix length", ex);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException(
                        "Trusted network '" + spec + "' needs a prefix length between 0 and " + bits);
            }
            return new Block(spec, network, prefix);
        }

        boolean matches(byte[] address) {
            if (address.length != this.network.length) {
                return false;
            }
            int full = this.prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != this.network[i]) {
                    return false;
                }
            }
            int rest = this.prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (this.network[full] & mask);
        }

        @Override
        public String toString() {
            return this.spec;
        }
    }
}
