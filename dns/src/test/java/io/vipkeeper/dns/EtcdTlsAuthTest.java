package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.dns.RecordDiff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** etcd with TLS (client certificates) and password authentication: the options of dns serve/publish reach it. */
class EtcdTlsAuthTest {

    static void sh(Path dir, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-ec", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void tlsAndPasswordAuth() throws Exception {
        Path tmp = Files.createTempDirectory("vipkeeper-etcd-tls");
        EtcdProcess etcd = null;
        DnsServeCommand.Running serve = null;
        try {
            // a throwaway CA, a server certificate for 127.0.0.1 and a client certificate (EC keys, PKCS#8 PEM)
            sh(tmp, """
                    ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key -out $1.csr -subj /CN=$2 2>/dev/null; }
                    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -subj /CN=test-ca -days 1 2>/dev/null
                    ec server 127.0.0.1
                    printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext
                    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile ext 2>/dev/null
                    ec client vipkeeper-client
                    printf 'extendedKeyUsage=clientAuth\\n' > ext2
                    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1 -extfile ext2 2>/dev/null
                    printf 'dnspw\\n' > password
                    """);
            String d = tmp.toString();
            etcd = new EtcdProcess(tmp.resolve("etcd"),
                    List.of("--cert-file", d + "/server.crt", "--key-file", d + "/server.key", "--trusted-ca-file", d + "/ca.crt",
                            "--client-cert-auth"),
                    "https", List.of("--cacert", d + "/ca.crt", "--cert", d + "/client.crt", "--key", d + "/client.key"));
            etcd.start();
            etcd.run("user", "add", "root:rootpw");
            etcd.run("user", "add", "dns:dnspw");
            etcd.run("role", "add", "dns");
            etcd.run("role", "grant-permission", "dns", "--prefix=true", "readwrite", "/skydns/");
            etcd.run("user", "grant-role", "dns", "dns");
            etcd.run("auth", "enable");

            DnsServeCommand cmd = new DnsServeCommand();
            new picocli.CommandLine(cmd).parseArgs("--zone", "example.com", "--listen", "127.0.0.1:0", "--http-port", "-1",
                    "--etcd", etcd.endpoint(), "--etcd-ca", d + "/ca.crt", "--etcd-cert", d + "/client.crt", "--etcd-key", d + "/client.key",
                    "--etcd-user", "dns", "--etcd-password-file", d + "/password");
            serve = cmd.start();
            assertThat(serve.view().awaitSynced(20_000)).isTrue();
            // lease + transaction + watch, all over TLS as user dns
            long lease = serve.store().grantLease(10);
            serve.store().apply(new RecordDiff(Map.of("/skydns/com/example/tls/x-00000001", "{\"host\":\"192.0.2.77\",\"ttl\":30}"), Set.of()), lease);
            assertThat(serve.store().keepAlive(lease)).isTrue();
            Dig.Waited w = new Dig(serve.dns().port()).until("tls.example.com", "A", r -> r.values("A").equals(List.of("192.0.2.77")), 10_000);
            assertThat(w.ok()).as(String.valueOf(w.reply())).isTrue();
        } finally {
            if (serve != null) {
                serve.close();
            }
            if (etcd != null) {
                etcd.close();
            }
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }
}
