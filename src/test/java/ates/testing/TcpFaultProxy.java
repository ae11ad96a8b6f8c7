package ates.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback that forwards to a port on loopback and injects faults on the wire: added
 * latency per chunk, connection resets, or a blackhole that keeps connections open but lets no byte
 * through (as a dead switch or a full-table firewall drop would). One thread per direction and
 * connection; every loop ends when its sockets close.
 */
public final class TcpFaultProxy implements AutoCloseable {

  /** What the wire does now. */
  public enum Mode {
    PASS,
    /** every chunk waits {@link #latencyMillis} before it is forwarded */
    LATENCY,
    /** open connections are reset, new ones are reset at once */
    RESET,
    /** connections are accepted and kept, nothing is forwarded either way */
    BLACKHOLE
  }

  private final ServerSocket server;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = Mode.PASS;
  private volatile long latencyMillis;
  private volatile boolean closed;

  private TcpFaultProxy(ServerSocket server, int targetPort) {
    this.server = server;
    this.targetPort = targetPort;
  }

  /** A proxy listening on {@code listenPort} (0: any free port) forwarding to {@code target}. */
  public static TcpFaultProxy start(int listenPort, int targetPort) {
    try {
      ServerSocket server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
      TcpFaultProxy proxy = new TcpFaultProxy(server, targetPort);
      Thread acceptor = new Thread(proxy::acceptLoop, "proxy-accept-" + server.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  public Mode mode() {
    return mode;
  }

  public void pass() {
    mode = Mode.PASS;
  }

  public void latency(long millis) {
    latencyMillis = millis;
    mode = Mode.LATENCY;
  }

  /** Resets every open connection, and every new one until {@link #pass}. */
  public void reset() {
    mode = Mode.RESET;
    for (Socket s : sockets) abort(s);
  }

  public void blackhole() {
    mode = Mode.BLACKHOLE;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (mode == Mode.RESET) {
        abort(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.connect(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        abort(client); // the target is down: the client sees a reset, as without a proxy
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  while (mode == Mode.BLACKHOLE && !closed && !from.isClosed()) {
                    // hold the bytes: a blackhole forwards nothing, and a healed wire resumes
                    TimeUnit.MILLISECONDS.sleep(50);
                  }
                  if (mode == Mode.RESET) break;
                  if (mode == Mode.LATENCY) TimeUnit.MILLISECONDS.sleep(latencyMillis);
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // a side closed or was reset
              } finally {
                abort(from);
                abort(to);
              }
            },
            "proxy-pump-" + port());
    t.setDaemon(true);
    t.start();
  }

  /** Closes with RST (SO_LINGER 0) rather than FIN, as a reset on the wire. */
  private void abort(Socket s) {
    sockets.remove(s);
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) abort(s);
  }
}
