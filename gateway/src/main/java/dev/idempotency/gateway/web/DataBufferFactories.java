package dev.idempotency.gateway.web;

import io.netty.buffer.PooledByteBufAllocator;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;

/** Wraps byte arrays without copying, in Netty buffers the gateway's Netty client and server take as they are. */
final class DataBufferFactories {

    private static final NettyDataBufferFactory FACTORY = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);

    private DataBufferFactories() {
    }

    static DataBuffer wrap(byte[] bytes) {
        return FACTORY.wrap(bytes);
    }
}
