package ates.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HTTP/1.1 client for hostile tests that answers with an {@link Answer} whatever happens: {@link
 * #send} goes through the JDK's HttpClient (any method name it accepts, any bytes as body), {@link
 * #raw} writes the given bytes as they are to a fresh socket, for what the JDK refuses to send
 * (request-targets such as {@code /%zz}, bad Content-Length, oversized or malformed headers). Every
 * call is bounded by the timeout given at construction.
 */
public final class Wire {

  private final int port;
  private final Duration timeout;
  private final HttpClient client;

  public Wire(int port, Duration timeout) {
    this.port = port;
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  public int port() {
    return port;
  }

  /**
   * Sends through the JDK client; {@code target} is a path with an optional query, valid as a URI.
   */
  public Answer send(String method, String target, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
            .timeout(timeout)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    HttpRequest request = b.build();
    long start = System.nanoTime();
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), r.headers().map(), r.body(), since(start));
    } catch (HttpTimeoutException e) {
      return Answer.none("no answer within " + timeout.toMillis() + " ms", since(start));
    } catch (IOException e) {
      return Answer.none("connection failed: " + e, since(start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Answer get(String target, String token) {
    return send(
        "GET", target, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token), null);
  }

  /** Writes {@code request} to a new connection as it is and reads one answer. */
  public Answer raw(byte[] request) {
    return raw(request, timeout);
  }

  /** As {@link #raw(byte[])}, waiting at most {@code wait} for the answer. */
  public Answer raw(byte[] request, Duration wait) {
    long start = System.nanoTime();
    long deadline = start + wait.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      boolean head =
          new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
              .equals("HEAD ");
      return read(socket, deadline, head, start);
    } catch (SocketTimeoutException e) {
      return Answer.none("no answer within " + wait.toMillis() + " ms", since(start));
    } catch (IOException e) {
      return Answer.none("connection failed: " + e, since(start));
    }
  }

  /** The request line, headers (plus {@code Connection: close}) and body as bytes. */
  public static byte[] request(String requestLine, Map<String, String> headers, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head =
        new StringBuilder(requestLine).append("\r\n").append("Host: 127.0.0.1\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Connection")))
      head.append("Connection: close\r\n");
    if (body != null
        && headers.keySet().stream()
            .noneMatch(
                h ->
                    h.equalsIgnoreCase("Content-Length")
                        || h.equalsIgnoreCase("Transfer-Encoding")))
      head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("\r\n");
    // header values are written byte for byte (ISO-8859-1), so a test can put any byte in them
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) out.writeBytes(body);
    return out.toByteArray();
  }

  private Answer read(Socket socket, long deadline, boolean head, long start) throws IOException {
    InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
    while (true) {
      String headerBlock = readHead(socket, in, deadline);
      if (headerBlock == null)
        return Answer.none("connection closed without an answer", since(start));
      String[] lines = headerBlock.split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      int status = Integer.parseInt(statusLine[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0)
          headers
              .computeIfAbsent(lines[i].substring(0, colon).trim(), n -> new ArrayList<>())
              .add(lines[i].substring(colon + 1).trim());
      }
      if (status >= 100 && status < 200) continue; // 100 Continue: the real answer follows
      Answer partial = new Answer(status, headers, new byte[0], since(start));
      byte[] body;
      if (head || status == 204 || status == 304) body = new byte[0];
      else if (partial
          .header("Transfer-Encoding")
          .map(v -> v.equalsIgnoreCase("chunked"))
          .orElse(false)) body = readChunked(socket, in, deadline);
      else if (partial.header("Content-Length").isPresent())
        body =
            readExactly(
                socket, in, Integer.parseInt(partial.header("Content-Length").get()), deadline);
      else body = readToEnd(socket, in, deadline);
      return new Answer(status, headers, body, since(start));
    }
  }

  private static String readHead(Socket socket, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = readByte(socket, in, deadline);
      if (b < 0) return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String s = head.toString(StandardCharsets.ISO_8859_1);
    return s.substring(0, s.length() - 4);
  }

  private static byte[] readChunked(Socket socket, InputStream in, long deadline)
      throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(socket, in, deadline);
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(socket, in, deadline).isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      body.writeBytes(readExactly(socket, in, size, deadline));
      readLine(socket, in, deadline);
    }
  }

  private static String readLine(Socket socket, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = readByte(socket, in, deadline)) >= 0 && b != '\n') if (b != '\r') line.write(b);
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] readExactly(Socket socket, InputStream in, int n, long deadline)
      throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      int b = readByte(socket, in, deadline);
      if (b < 0) break;
      body.write(b);
    }
    return body.toByteArray();
  }

  private static byte[] readToEnd(Socket socket, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int b;
    while ((b = readByte(socket, in, deadline)) >= 0) body.write(b);
    return body.toByteArray();
  }

  private static int readByte(Socket socket, InputStream in, long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) throw new SocketTimeoutException("deadline");
    socket.setSoTimeout((int) Math.max(1, left));
    return in.read();
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
