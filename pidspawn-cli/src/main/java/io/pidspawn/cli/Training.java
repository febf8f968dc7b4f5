package io.pidspawn.cli;

import io.pidspawn.internal.spawn.SignalRelay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of bin/pidspawn's AOT cache (JDK 25, JEP 483/514/515): the commands people
 * run most, once each in one JVM, so that the cache holds the classes, linkage and profiles they
 * need. bin/pidspawn starts it with {@code -XX:AOTCacheOutput} and the flags and module path of a
 * normal run, its output to a log; it is no command of its own.
 */
public final class Training {
    private Training() {}

    /**
     * Runs the training commands, each once; their output is the training log's.
     *
     * @param args none
     * @throws IOException if the batch's job file cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path jobs = Files.createTempFile("pidspawn-training", ".jsonl");
        try {
            Files.writeString(jobs, """
                    {"argv": ["/bin/true"]}
                    {"argv": ["/bin/echo", "hi"], "timeout": "5s"}
                    """, StandardCharsets.UTF_8);
            // Each command line below must succeed: a failure is a sign the cache trains on error paths.
            String[][] commands = {
                {"run", "--", "/bin/true"},
                {"run", "--timeout", "10s", "--env", "A=b", "--", "/bin/true"},
                {"run", "--json", "--", "/bin/true"},
                {"probe"},
                {"batch", "-j", "2", jobs.toString()},
                {"run", "--", "/bin/true"},
            };
            for (String[] command : commands) {
                int status = Main.execute(command);
                // run leaves its signal relay installed until the JVM exits; the next run installs its own.
                SignalRelay.restore();
                if (status != 0) {
                    System.err.println("pidspawn training: " + String.join(" ", command) + " exited " + status);
                }
            }
        } finally {
            Files.deleteIfExists(jobs);
        }
        System.exit(0); // as Main ends: what Runtime.exit loads (its System.Logger) goes into the cache too
    }
}
