// A one-node YARN cluster for the tests: Hadoop's MiniYARNCluster (one ResourceManager, one
// NodeManager), the same Hadoop version as pyspark's client jars.
//
//   java -cp "LIB_DIR/*" MiniYarn.java CONF_DIR WORK_DIR CONTROL_DIR [KDC_DIR]
//
// With KDC_DIR, a Kerberos KDC (Hadoop's MiniKdc) starts first, and every web endpoint of the
// cluster (the ResourceManager's REST API, the NodeManager's) asks for SPNEGO as HTTP/<host>;
// RPC stays unauthenticated (`simple`: a Kerberos RPC needs the LinuxContainerExecutor, root
// and much more). KDC_DIR gets krb5.conf (for MIT Kerberos clients, KRB5_CONFIG), the keytab of
// the principal `lighter` (lighter.keytab) and `principal` (its full name).
//
// Every address is a port that was free when the cluster started. Once the ResourceManager's
// REST API answers and the NodeManager has registered, the cluster's configuration is written to
// CONF_DIR as core-site.xml and yarn-site.xml (HADOOP_CONF_DIR for spark-submit and for Lighter);
// the files appear whole (written beside, then renamed), so a reader that sees them can use them.
// The process then runs until it is killed. While it runs, a file `restart-resourcemanager` that
// appears in CONTROL_DIR restarts the ResourceManager (without recovery: it forgets every
// application, as a real one restarted without a state store does); once the new one answers and
// the NodeManager has registered again, the file is removed and `resourcemanager-restarts` holds
// how many restarts are done.

import java.io.File;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.hadoop.minikdc.MiniKdc;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

public class MiniYarn {
    public static void main(String[] args) throws Exception {
        Path confDir = Path.of(args[0]).toAbsolutePath();
        Path workDir = Path.of(args[1]).toAbsolutePath();
        Path controlDir = Path.of(args[2]).toAbsolutePath();
        Files.createDirectories(confDir);
        // MiniYARNCluster keeps its local and log dirs under target/<test name> of the working
        // directory; the script starts us in WORK_DIR.
        System.setProperty("test.build.data", workDir.toString());

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", "file:///");
        // Three queues: `default` for most applications, `other` for tests that choose a queue,
        // `narrow`, which runs one ApplicationMaster at a time (the rest wait, ACCEPTED).
        conf.set("yarn.scheduler.capacity.root.queues", "default,other,narrow");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "85");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.other.capacity", "10");
        conf.set("yarn.scheduler.capacity.root.other.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.narrow.capacity", "5");
        conf.set("yarn.scheduler.capacity.root.narrow.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.narrow.maximum-am-resource-percent", "0.01");
        // Several small drivers at once: the ApplicationMasters may use the whole node.
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        // MiniYARNCluster gives its NodeManager this much (its own key), not NM_PMEM_MB.
        conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 8192);
        conf.setInt(YarnConfiguration.NM_VCORES, 8);
        // The test machine's memory and disks are shared: YARN must not refuse to run for them.
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.0f);
        // Without aggregation the NodeManager keeps a finished application's logs in its own
        // log dirs and serves them from there, for as long as below.
        conf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, false);
        conf.setLong(YarnConfiguration.NM_LOG_RETAIN_SECONDS, 24 * 3600);
        // The kill test sees KILLED at once rather than after the NM's grace period.
        conf.setLong(YarnConfiguration.NM_SLEEP_DELAY_BEFORE_SIGKILL_MS, 1000);

        // The NodeManager reaches the ResourceManager over RPC, as on a real cluster (by default a
        // MiniYARNCluster's calls the first ResourceManager object directly, and so never finds
        // one started again). That takes fixed ports, chosen here among the free ones, which a
        // restarted ResourceManager binds again.
        conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_USE_RPC, true);
        conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
        for (String key : new String[] {
                YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.NM_WEBAPP_ADDRESS,
                YarnConfiguration.NM_LOCALIZER_ADDRESS}) {
            conf.set(key, "localhost:" + freePort());
        }
        conf.set(YarnConfiguration.NM_ADDRESS, "localhost:0");
        if (args.length > 3) {
            startKdc(conf, Path.of(args[3]).toAbsolutePath(), workDir.resolve("kdc"));
        }

        MiniYARNCluster cluster = new MiniYARNCluster("lighter", 1, 1, 1);
        cluster.init(conf);
        cluster.start();
        if (!cluster.waitForNodeManagersToConnect(120_000)) {
            throw new IllegalStateException("the NodeManager did not register within 120 s");
        }
        Configuration live = cluster.getConfig();
        String rmWeb = live.get(YarnConfiguration.RM_WEBAPP_ADDRESS);
        boolean kerberos = args.length > 3;
        waitForRestApi("http://" + rmWeb + "/ws/v1/cluster/info", kerberos);

        writeXml(live, confDir.resolve("yarn-site.xml"));
        writeXml(live, confDir.resolve("core-site.xml"));
        System.out.println("MiniYarn: ResourceManager at http://" + rmWeb + ", configuration in " + confDir);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop));
        Path restartRequest = controlDir.resolve("restart-resourcemanager");
        int restarts = 0;
        while (true) {
            if (Files.exists(restartRequest)) {
                cluster.restartResourceManager(0);
                if (!cluster.waitForNodeManagersToConnect(120_000)) {
                    throw new IllegalStateException("the NodeManager did not register again within 120 s");
                }
                waitForRestApi("http://" + rmWeb + "/ws/v1/cluster/info", kerberos);
                restarts++;
                Path count = controlDir.resolve("resourcemanager-restarts");
                Path partial = count.resolveSibling("resourcemanager-restarts.partial");
                Files.writeString(partial, Integer.toString(restarts));
                Files.move(partial, count, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.delete(restartRequest);
                System.out.println("MiniYarn: ResourceManager restarted (" + restarts + ")");
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void startKdc(Configuration conf, Path kdcDir, Path kdcWork) throws Exception {
        Files.createDirectories(kdcDir);
        Files.createDirectories(kdcWork);
        MiniKdc kdc = new MiniKdc(MiniKdc.createConf(), kdcWork.toFile());
        kdc.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kdc::stop));
        String realm = kdc.getRealm();
        File lighterKeytab = kdcDir.resolve("lighter.keytab").toFile();
        kdc.createPrincipal(lighterKeytab, "lighter");
        Files.writeString(kdcDir.resolve("principal"), "lighter@" + realm + "\n");

        // The web endpoints' own principals: one per name a client may call this host by.
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add("localhost");
        hosts.add(InetAddress.getLocalHost().getHostName().toLowerCase());
        hosts.add(InetAddress.getLocalHost().getCanonicalHostName().toLowerCase());
        File httpKeytab = kdcWork.resolve("http.keytab").toFile();
        kdc.createPrincipal(httpKeytab, hosts.stream().map(h -> "HTTP/" + h).toArray(String[]::new));

        StringBuilder krb5 = new StringBuilder()
            .append("[libdefaults]\n")
            .append("  default_realm = ").append(realm).append("\n")
            .append("  udp_preference_limit = 1\n")
            .append("  dns_lookup_kdc = false\n")
            .append("  dns_lookup_realm = false\n")
            .append("  dns_canonicalize_hostname = false\n")
            .append("  rdns = false\n")
            .append("[realms]\n")
            .append("  ").append(realm).append(" = {\n")
            .append("    kdc = ").append(kdc.getHost()).append(":").append(kdc.getPort()).append("\n")
            .append("  }\n")
            .append("[domain_realm]\n");
        for (String host : hosts) {
            krb5.append("  ").append(host).append(" = ").append(realm).append("\n");
        }
        Files.writeString(kdcDir.resolve("krb5.conf"), krb5.toString());

        Path secret = kdcWork.resolve("http-signature-secret");
        Files.writeString(secret, java.util.UUID.randomUUID().toString());
        conf.set("hadoop.http.filter.initializers",
            "org.apache.hadoop.security.AuthenticationFilterInitializer");
        conf.set("hadoop.http.authentication.type", "kerberos");
        conf.set("hadoop.http.authentication.simple.anonymous.allowed", "false");
        conf.set("hadoop.http.authentication.kerberos.principal", "*");
        conf.set("hadoop.http.authentication.kerberos.keytab", httpKeytab.getPath());
        conf.set("hadoop.http.authentication.signature.secret.file", secret.toString());
        System.out.println("MiniYarn: KDC for " + realm + " at " + kdc.getHost() + ":" + kdc.getPort()
            + ", web principals HTTP/" + String.join(", HTTP/", hosts));
    }

    private static void waitForRestApi(String url, boolean kerberos) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setConnectTimeout(2000);
                connection.setReadTimeout(5000);
                // Behind SPNEGO, a 401 asking for it is the API answering.
                if (connection.getResponseCode() == (kerberos ? 401 : 200)) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ResourceManager's REST API did not answer: " + url);
            }
            Thread.sleep(200);
        }
    }

    private static void writeXml(Configuration conf, Path target) throws Exception {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (OutputStream out = Files.newOutputStream(partial)) {
            conf.writeXml(out);
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
