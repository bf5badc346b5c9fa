package io.vipkeeper.dns;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.platform.Flags;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** How to reach etcd (a picocli mixin shared by {@code dns publish} and {@code dns serve}). */
public final class EtcdOptions {

    @Option(names = "--etcd", paramLabel = "URL", split = ",", defaultValue = "http://127.0.0.1:2379", converter = Endpoint.class,
            description = "etcd v3 endpoints, comma-separated or repeated (default: ${DEFAULT-VALUE}).")
    List<String> endpoints = new ArrayList<>(List.of("http://127.0.0.1:2379"));

    @Option(names = "--etcd-prefix", paramLabel = "PATH", defaultValue = "/skydns",
            description = "key prefix, the etcd plugin's 'path' (default: ${DEFAULT-VALUE}).")
    String prefix = "/skydns";

    @Option(names = "--etcd-user", paramLabel = "NAME", description = "etcd user (with --etcd-password-file).")
    String user;

    @Option(names = "--etcd-password-file", paramLabel = "FILE", description = "file holding the etcd password (kept off the command line).")
    Path passwordFile;

    @Option(names = "--etcd-ca", paramLabel = "FILE", description = "CA bundle (PEM) to verify etcd's certificate; enables TLS.")
    Path ca;

    @Option(names = "--etcd-cert", paramLabel = "FILE", description = "client certificate (PEM) for etcd (with --etcd-key).")
    Path cert;

    @Option(names = "--etcd-key", paramLabel = "FILE", description = "client key (PKCS#8 PEM) for etcd.")
    Path key;

    /** An etcd endpoint: http(s)://HOST:PORT. */
    static final class Endpoint implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                uri(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage().substring("--etcd: ".length()));
            }
            return value;
        }
    }

    private static URI uri(String e) {
        URI u;
        try {
            u = URI.create(e.trim());
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("--etcd: not a URL: " + InvalidInputException.quote(e));
        }
        if (u.getHost() == null || u.getPort() < 0 || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("--etcd: expected http(s)://HOST:PORT, got " + InvalidInputException.quote(e));
        }
        return u;
    }

    public String prefix() {
        return prefix;
    }

    /** Checks the options, and that the files they name can be read (nothing is contacted); throws {@link IllegalArgumentException}. */
    public void check() {
        endpoints.forEach(EtcdOptions::uri);
        for (var f : new Object[][] {{"--etcd-password-file", passwordFile}, {"--etcd-ca", ca}, {"--etcd-cert", cert}, {"--etcd-key", key}}) {
            if (f[1] != null) {
                Flags.readable((String) f[0], (Path) f[1]);
            }
        }
        if (user != null && passwordFile == null) {
            throw new IllegalArgumentException("--etcd-user needs --etcd-password-file");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--etcd-cert and --etcd-key go together");
        }
    }

    /** Checks the options and builds a client; jetcd connects lazily, so etcd may still be down. */
    public Client connect() {
        check();
        List<URI> uris = endpoints.stream().map(EtcdOptions::uri).toList();
        ClientBuilder b = Client.builder().endpoints(uris)
                .connectTimeout(Duration.ofSeconds(3))
                // retries are ours (bounded per call); the client's own would hide an outage for minutes
                .retryMaxDuration(Duration.ofSeconds(3))
                .retryMaxAttempts(2)
                .retryDelay(100)
                .retryMaxDelay(1000)
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5));
        if (user != null) {
            String password;
            try {
                password = Files.readString(passwordFile).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --etcd-password-file " + passwordFile + ": " + e.getMessage());
            }
            b.user(ByteSequence.from(user, StandardCharsets.UTF_8)).password(ByteSequence.from(password, StandardCharsets.UTF_8));
        }
        if (ca != null || cert != null) {
            try {
                b.sslContext(ssl -> {
                    if (ca != null) {
                        ssl.trustManager(ca.toFile());
                    }
                    if (cert != null) {
                        ssl.keyManager(cert.toFile(), key.toFile());
                    }
                });
            } catch (SSLException e) {
                throw new IllegalArgumentException("etcd TLS files: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** For tests and embedding: options for plain-text endpoints. */
    public static EtcdOptions of(String prefix, String... endpoints) {
        EtcdOptions o = new EtcdOptions();
        o.prefix = prefix;
        o.endpoints = new ArrayList<>(List.of(endpoints));
        return o;
    }
}
