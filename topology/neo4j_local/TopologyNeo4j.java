// Launcher for Topology's local Neo4j: an embedded DatabaseManagementService that serves Bolt.
//
// Usage: java -cp "classes:lib/*" TopologyNeo4j <home> <home>/neo4j.conf
//
// The Python side (topology/neo4j_local/server.py) compiles, starts and stops this class.
// SIGTERM runs the shutdown hook, which checkpoints and closes the store cleanly.

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public final class TopologyNeo4j {
    private TopologyNeo4j() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: TopologyNeo4j <home> <neo4j.conf>");
            System.exit(2);
        }
        final Path home = Path.of(args[0]).toAbsolutePath();
        final Path conf = Path.of(args[1]).toAbsolutePath();
        final long started = System.nanoTime();
        System.out.println("NEO4J_STARTING home=" + home + " at " + Instant.now());
        System.out.flush();
        final DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        } catch (Throwable e) {
            // A failed build can leave non-daemon threads behind: exit explicitly so the
            // caller sees the process die instead of waiting for Bolt until its timeout.
            System.err.println("NEO4J_FAILED " + e);
            e.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J_STOPPING");
            System.out.flush();
            try {
                dbms.shutdown();
                System.out.println("NEO4J_STOPPED");
            } catch (Throwable e) {
                System.err.println("NEO4J_STOP_FAILED " + e);
                e.printStackTrace();
            }
            System.out.flush();
            System.err.flush();
        }, "topology-neo4j-shutdown"));
        long millis = (System.nanoTime() - started) / 1_000_000L;
        System.out.println("NEO4J_READY bolt=" + boltAddress(conf) + " home=" + home
                + " started_in=" + millis + "ms");
        System.out.flush();
        Thread.currentThread().join();
    }

    /** The Bolt listen address as configured, for the console log (read, not resolved). */
    private static String boltAddress(Path conf) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(conf, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            return "?";
        }
        return properties.getProperty("server.bolt.listen_address", "?");
    }
}
