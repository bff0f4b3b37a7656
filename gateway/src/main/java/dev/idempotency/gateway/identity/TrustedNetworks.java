package dev.idempotency.gateway.identity;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;

/**
 * The source networks (CIDR blocks, IPv4 and IPv6) a trusted identity header may come from. Checked
 * against the TCP peer address only: {@code X-Forwarded-For} and {@code Forwarded} are written by
 * whoever sent the request, so they cannot prove where it came from. An IPv4-mapped address
 * ({@code ::ffff:a.b.c.d}, a dual-stack socket's view of an IPv4 peer) is matched as {@code a.b.c.d}:
 * {@link InetAddress} never makes an {@code Inet6Address} of one.
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
        return this.blocks.stream().anyMatch(block -> block.rule().matches(peer));
    }

    @Override
    public String toString() {
        return this.blocks.isEmpty() ? "any" : this.blocks.toString();
    }

    /** One block: Netty's subnet rule does the matching (an IPv4 rule never matches an IPv6 peer, nor the reverse). */
    private record Block(String spec, IpSubnetFilterRule rule) {

        static Block parse(String spec) {
            int slash = spec.indexOf('/');
            String host = slash < 0 ? spec : spec.substring(0, slash);
            if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
                throw new IllegalArgumentException("Trusted network '" + spec
                        + "' is not an IPv4 or IPv6 address or CIDR block (such as 10.0.0.0/8 or fd00::/8)");
            }
            InetAddress network;
            try {
                network = InetAddress.getByName(host);
            }
            catch (UnknownHostException ex) {
                throw new IllegalArgumentException("Trusted network '" + spec + "' has an invalid address", ex);
            }
            int bits = network.getAddress().length * 8;
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
            return new Block(spec, new IpSubnetFilterRule(network, prefix, IpFilterRuleType.ACCEPT));
        }

        @Override
        public String toString() {
            return this.spec;
        }
    }
}
