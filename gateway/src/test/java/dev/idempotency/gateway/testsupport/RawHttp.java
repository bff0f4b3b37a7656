package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** HTTP/1.1 over a plain socket, for clients that misbehave: hang up early, send what others refuse. */
public final class RawHttp {

    private RawHttp() {
    }

    /** Sends a request, waits {@code patience}, then closes the connection without reading the answer. */
    public static void sendAndHangUp(int port, String method, String path, Map<String, String> headers, String body,
            Duration patience) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            Thread.sleep(patience.toMillis());
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not talk to port " + port, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
