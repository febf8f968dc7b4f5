package io.pidspawn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Runs the CLI in its own JVM (it installs signal handlers), the way bin/pidspawn does. */
final class Cli {
    record Result(int exit, String out, String err) {}

    private Cli() {}

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = command(args);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        // stderr is read beside stdout, so a CLI filling the stderr pipe cannot stall the test
        var errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var out = p.getInputStream().readAllBytes();
        var err = errFuture.join();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** As {@link #run}, feeding {@code stdin} to the CLI and closing it. */
    static Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        try (Running r = start(args)) {
            r.stdin().write(stdin.getBytes(StandardCharsets.UTF_8));
            r.stdin().close();
            return r.await();
        }
    }

    /** Starts the CLI and leaves it running, its stdin open: to feed it bit by bit, or signal it. */
    static Running start(String... args) throws IOException {
        return start(new ProcessBuilder(command(args)));
    }

    /** As {@link #start}, for a command that runs the CLI's {@link #command} itself (script(1), a shell). */
    static Running startCommand(List<String> cmd) throws IOException {
        return start(new ProcessBuilder(cmd));
    }

    /** As {@link #start(String...)}, for a command line or directory of the test's own. */
    static Running start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        Executor ownThread = task -> Thread.ofVirtual().start(task); // the common pool may have one thread only
        return new Running(p, CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), ownThread),
                CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), ownThread));
    }

    /** A CLI JVM started by {@link #start}; its stdout and stderr are read as they come. */
    record Running(Process process, CompletableFuture<String> out, CompletableFuture<String> err) implements AutoCloseable {
        OutputStream stdin() {
            return process.getOutputStream();
        }

        long pid() {
            return process.pid();
        }

        /** Waits (at most 60 s) for the exit and everything it printed. */
        Result await() throws InterruptedException {
            return await(Duration.ofSeconds(60));
        }

        /** Waits at most {@code limit} for the exit and everything it printed. */
        Result await(Duration limit) throws InterruptedException {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("CLI did not finish: " + process.info().commandLine().orElse("?"));
            }
            return new Result(process.exitValue(), out.join(), err.join());
        }

        /** Kills the CLI if it still runs (a failed test must not leave it behind). */
        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** The command line that runs the CLI in a JVM of its own. */
    static List<String> command(String... args) {
        // env(1) first puts the signals the tests send back to their defaults: a test JVM started in
        // the background by a non-interactive shell inherits SIGINT and SIGQUIT ignored, and the
        // JVM honours an ignored signal by never handling it.
        return command(List.of("--default-signal=INT,QUIT,TERM,HUP"), args);
    }

    /** The command line that runs the CLI in a JVM of its own, with these env(1) options. */
    static List<String> command(List<String> envOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/env"));
        cmd.addAll(envOptions);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
