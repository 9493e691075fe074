package io.featurestore.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private CA of a test's own and a server certificate it signed, made with the {@code openssl}
 * command in {@code dir}: for a TLS Redis that a client trusts only through {@code REDIS_TLS_CA_FILE}.
 *
 * @param caCert     the CA's certificate (PEM): what a client must trust
 * @param serverCert the server's certificate, for {@code subjectAltName}
 * @param serverKey  the server's private key
 */
public record TlsFiles(Path caCert, Path serverCert, Path serverKey) {

  /**
   * Makes a CA named {@code name} and a server certificate for {@code subjectAltName} (e.g.
   * {@code IP:127.0.0.1}, or {@code DNS:localhost} to test a name that does not match).
   */
  public static TlsFiles create(Path dir, String name, String subjectAltName) {
    try {
      Files.createDirectories(dir);
      Path caKey = dir.resolve(name + "-ca.key");
      Path caCert = dir.resolve(name + "-ca.pem");
      Path key = dir.resolve(name + "-server.key");
      Path csr = dir.resolve(name + "-server.csr");
      Path cert = dir.resolve(name + "-server.pem");
      Path ext = dir.resolve(name + "-server.ext");
      Files.writeString(ext, "subjectAltName=" + subjectAltName + "\n");
      openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", caCert.toString(),
          "-days", "2", "-subj", "/CN=" + name + " test CA");
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
          "-subj", "/CN=" + name + " server");
      openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
          "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
      return new TlsFiles(caCert, cert, key);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write TLS files in " + dir, e);
    }
  }

  /** The {@code redis-server} arguments of a TLS-only server on {@code tlsPort} with these files. */
  public List<String> redisServerArgs(int tlsPort) {
    return List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", serverCert.toString(),
        "--tls-key-file", serverKey.toString(), "--tls-ca-cert-file", caCert.toString(), "--tls-auth-clients", "no");
  }

  private static void openssl(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running openssl", e);
    }
  }
}
