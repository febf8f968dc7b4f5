package io.pidspawn.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.compat.AnyBuilder.Side;
import io.pidspawn.internal.linux.Libc;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of scenarios, each run through java.lang.ProcessBuilder and through
 * PidspawnProcessBuilder with the same programs: exit values, stdout, stderr, the files written
 * and the exceptions (type, message, cause) must be the same. Each scenario also says what the
 * JDK's outcome must contain, so that both sides failing alike for a wrong reason is caught.
 */
@ExtendWith(LeakGuard.class)
class JdkParityTest {
    /** A directory both sides share (scenarios run in a directory of their own besides). */
    @TempDir
    static Path shared;

    private static final String H = Helper.path();
    private static final String MISSING_DIR = "/nonexistent-pidspawn-" + ProcessHandle.current().pid();

    @BeforeAll
    static void sharedFiles() throws IOException {
        Files.copy(Path.of(H), shared.resolve("pshelper-copy"));
        Path script = Files.writeString(shared.resolve("no-shebang"), "echo run by sh: $0 $1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(shared.resolve("not-executable"), "#!/bin/sh\n");
        Path dollar0 = Files.writeString(shared.resolve("dollar0.sh"), "#!/bin/sh\necho \"$0\"\n");
        Files.setPosixFilePermissions(dollar0, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(shared.resolve("dollar0-link"), dollar0);
    }

    /** What one side did: every field as text, so a difference reads plainly. */
    record Outcome(String exit, String stdout, String stderr, String files, String failure) {
        static Outcome failed(Throwable t) {
            return new Outcome("", "", "", "", describe(t) + (t.getCause() == null ? "" : " / caused by " + describe(t.getCause())));
        }

        private static String describe(Throwable t) {
            return t.getClass().getName() + ": " + t.getMessage();
        }
    }

    /** A scenario: given a side and a directory of its own, start something and report what happened. */
    interface Scenario {
        Outcome run(Side side, Path dir) throws Exception;
    }

    /**
     * @param jdkLeaksAPipe the JDK's startPipeline never closes the read end of a stage's stdout
     *     pipe when a later stage fails (ProcessBuilder.startPipeline's catch destroys the started
     *     processes but forgets the RedirectPipeImpl fd); the test closes it for the JDK
     */
    record Case(String name, String jdkShows, Scenario scenario, boolean jdkLeaksAPipe) {
        Case(String name, String jdkShows, Scenario scenario) {
            this(name, jdkShows, scenario, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Redirect out = Redirect.to(new File(MISSING_DIR, "out.txt"));
        return Stream.of(
                new Case("exit code", "exit=3", (s, d) -> finish(s.builder(H, "exit", "3").start())),
                new Case("stdout and stderr", "stderr=oops", (s, d) -> finish(s.builder(H, "out", "hello", ";", "err", "oops").start())),
                new Case("non-ASCII arguments", "héllo ✓", (s, d) -> finish(s.builder(H, "out", "héllo ✓").start())),
                new Case("stdin fed and closed", "stdout=line 1\nline 2", (s, d) -> {
                    Process p = s.builder(H, "cat").start();
                    try (OutputStream in = p.getOutputStream()) {
                        in.write("line 1\nline 2\n".getBytes(StandardCharsets.UTF_8));
                    }
                    return finish(p);
                }),
                new Case("3 MB of output", "stdout=3000000 bytes", (s, d) -> {
                    Process p = s.builder(H, "fill", "3000000", "65").start();
                    byte[] all = p.getInputStream().readAllBytes();
                    return new Outcome(Integer.toString(p.waitFor()), all.length + " bytes, hash " + Arrays.hashCode(all), "", "", "");
                }),
                new Case("2 MB through cat", "stdout=2097152 bytes", (s, d) -> {
                    Process p = s.builder(H, "cat").start();
                    byte[] data = new byte[2 << 20];
                    Arrays.fill(data, (byte) 'z');
                    CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
                        try (OutputStream in = p.getOutputStream()) {
                            in.write(data);
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
                    byte[] all = p.getInputStream().readAllBytes();
                    feed.get();
                    return new Outcome(Integer.toString(p.waitFor()), all.length + " bytes, same " + Arrays.equals(all, data), "", "", "");
                }),
                new Case("redirectErrorStream", "stdout=b\na\nc", (s, d) ->
                        finish(s.builder(H, "out", "a", ";", "err", "b", ";", "out", "c").redirectErrorStream(true).start())),
                new Case("stdout and stderr to files", "out.txt=to file", (s, d) -> finish(s.builder(H, "out", "to file", ";", "err", "e")
                        .redirectOutput(Redirect.to(d.resolve("out.txt").toFile()))
                        .redirectError(Redirect.to(d.resolve("err.txt").toFile())).start(), d)),
                new Case("stdin from a file", "stdout=from a file", (s, d) -> {
                    Files.writeString(d.resolve("in.txt"), "from a file\n");
                    return finish(s.builder(H, "cat").redirectInput(Redirect.from(d.resolve("in.txt").toFile())).start(), d);
                }),
                new Case("appendTo", "log.txt=first\nsecond", (s, d) -> {
                    Files.writeString(d.resolve("log.txt"), "first\n");
                    return finish(s.builder(H, "out", "second").redirectOutput(Redirect.appendTo(d.resolve("log.txt").toFile())).start(), d);
                }),
                new Case("to a file truncates", "t.txt=new", (s, d) -> {
                    Files.writeString(d.resolve("t.txt"), "old old old old\n");
                    return finish(s.builder(H, "out", "new").redirectOutput(d.resolve("t.txt").toFile()).start(), d);
                }),
                new Case("DISCARD", "stdout=, stderr=kept", (s, d) ->
                        finish(s.builder(H, "out", "gone", ";", "err", "kept").redirectOutput(Redirect.DISCARD).start())),
                new Case("inheritIO gives null streams", "exit=0", (s, d) -> finish(s.builder(H, "exit", "0").inheritIO().start())),
                new Case("merged stderr still creates its file", "{e.txt=}", (s, d) -> finish(s.builder(H, "err", "merged")
                        .redirectError(d.resolve("e.txt").toFile()).redirectErrorStream(true).start(), d)),
                new Case("environment set and removed", "stdout=x\n<unset>", (s, d) -> {
                    AnyBuilder b = s.builder(H, "getenv", "PS_PARITY", ";", "getenv", "PATH");
                    b.environment().put("PS_PARITY", "x");
                    b.environment().remove("PATH");
                    return finish(b.start());
                }),
                new Case("environment cleared", "stdout=ONLY=1", (s, d) -> {
                    AnyBuilder b = s.builder(H, "env");
                    b.environment().clear();
                    b.environment().put("ONLY", "1");
                    return finish(b.start());
                }),
                new Case("directory", "stdout=" + shared, (s, d) -> finish(s.builder(H, "cwd").directory(shared.toFile()).start())),
                new Case("relative program in the directory", "stdout=here", (s, d) ->
                        finish(s.builder("./pshelper-copy", "out", "here").directory(shared.toFile()).start())),
                new Case("a script's $0 is its path as given, relative", "stdout=./", (s, d) ->
                        finish(s.builder("./" + Path.of("").toAbsolutePath().relativize(shared.resolve("dollar0.sh"))).start())),
                new Case("a script's $0 is a symlink's name", "dollar0-link", (s, d) ->
                        finish(s.builder(shared.resolve("dollar0-link").toString()).start())),
                new Case("bare name found in PATH", "stdout=sh", (s, d) -> finish(s.builder("sh", "-c", "echo $0").start())),
                new Case("file without #! is run by /bin/sh", "run by sh", (s, d) ->
                        finish(s.builder(shared.resolve("no-shebang").toString(), "arg").start())),
                new Case("only fds 0-2", "stdout=0 1 2", (s, d) -> finish(s.builder(H, "fds").start())),
                new Case("empty signal mask", "stdout=0000000000000000", (s, d) -> finish(s.builder(H, "status", "SigBlk").start())),
                new Case("killed by its own SIGTERM", "exit=143", (s, d) -> finish(s.builder(H, "kill-self", "15").start())),
                new Case("killed by its own SIGKILL", "exit=137", (s, d) -> finish(s.builder(H, "kill-self", "9").start())),
                new Case("killed by its own SIGUSR1", "exit=138", (s, d) -> finish(s.builder(H, "kill-self", "10").start())),
                new Case("destroy", "exit=143", (s, d) -> afterReady(s, Process::destroy)),
                new Case("destroyForcibly", "exit=137", (s, d) -> afterReady(s, Process::destroyForcibly)),
                new Case("output read after exit", "stdout=late", (s, d) -> {
                    Process p = s.builder(H, "out", "late", ";", "err", "too").start();
                    int exit = p.waitFor();
                    return new Outcome(exit + "", text(p.getInputStream().readAllBytes()), text(p.getErrorStream().readAllBytes()), "", "");
                }),
                new Case("pipeline of 3", "|a\nb\nc", (s, d) -> {
                    List<Process> ps = s.startPipeline(List.of(s.builder("/bin/sh", "-c", "printf 'c\\nb\\na\\n'"),
                            s.builder("sort"), s.builder(H, "cat")));
                    Outcome last = finish(ps.get(2));
                    return new Outcome(ps.get(0).waitFor() + "," + ps.get(1).waitFor() + "," + last.exit(),
                            text(ps.get(0).getInputStream().readAllBytes()) + "|" + last.stdout(), last.stderr(), "", "");
                }),
                new Case("pipeline stage reading a file", "must be PIPE except for the first", (s, d) -> {
                    s.startPipeline(List.of(s.builder(H, "out", "x"), s.builder(H, "cat").redirectInput(Redirect.from(new File("in")))));
                    return null;
                }, true),
                new Case("pipeline with a missing program", "Cannot run program \"no-such-program-pidspawn\"", (s, d) -> {
                    s.startPipeline(List.of(s.builder(H, "sleep", "30"), s.builder("no-such-program-pidspawn"), s.builder(H, "cat")));
                    return null;
                }, true),
                new Case("pipeline from a file to a file", "sorted.txt=1 a\n2 b", (s, d) -> {
                    Files.writeString(d.resolve("in.txt"), "b\na\nb\n");
                    List<Process> ps = s.startPipeline(List.of(s.builder("sort").redirectInput(d.resolve("in.txt").toFile()),
                            s.builder("uniq", "-c"), s.builder("sed", "s/^ *//").redirectOutput(d.resolve("sorted.txt").toFile())));
                    return pipelineOutcome(ps, d);
                }),
                new Case("pipeline exit codes, upstream ending first", "exit=3,0", (s, d) ->
                        pipelineOutcome(s.startPipeline(List.of(s.builder("/bin/sh", "-c", "echo one; exit 3"), s.builder(H, "cat"))), null)),
                new Case("pipeline downstream ending first", "exit=141,0", (s, d) ->
                        pipelineOutcome(s.startPipeline(List.of(s.builder("yes"), s.builder("head", "-n", "1"))), null)),
                new Case("pipeline merging a middle stage's stderr", "stdout=a\nerr", (s, d) ->
                        pipelineOutcome(s.startPipeline(List.of(s.builder(H, "out", "a"),
                                s.builder("/bin/sh", "-c", "cat; echo err >&2").redirectErrorStream(true), s.builder(H, "cat"))), null)),
                new Case("pipeline's inner ends are null streams", "read -1", (s, d) -> {
                    List<Process> ps = s.startPipeline(List.of(s.builder(H, "out", "x", ";", "err", "to stderr"), s.builder(H, "cat")));
                    String inner = "read " + ps.get(0).getInputStream().read() + ", stderr "
                            + text(ps.get(0).getErrorStream().readAllBytes());
                    try {
                        ps.get(1).getOutputStream().write('z');
                        ps.get(1).getOutputStream().flush();
                        inner += ", wrote";
                    } catch (IOException e) {
                        inner += ", write: " + e.getMessage();
                    }
                    Outcome last = pipelineOutcome(ps, null);
                    return new Outcome(last.exit(), last.stdout(), inner, "", "");
                }),
                new Case("pipeline of none", "0 processes", (s, d) ->
                        new Outcome("", "", "", "", s.startPipeline(List.of()).size() + " processes")),
                new Case("pipeline of one", "stdout=alone", (s, d) -> pipelineOutcome(s.startPipeline(List.of(s.builder(H, "out", "alone"))), null)),
                new Case("pipeline stage writing a file", "must be PIPE except for the last builder", (s, d) -> {
                    s.startPipeline(List.of(s.builder(H, "out", "x"), s.builder(H, "cat").redirectOutput(shared.resolve("never-written").toFile()),
                            s.builder(H, "cat")));
                    return null;
                }, true),
                new Case("pipeline whose first stage inherits its output", "must be PIPE except for the last builder: INHERIT", (s, d) -> {
                    s.startPipeline(List.of(s.builder(H, "out", "x").inheritIO(), s.builder(H, "cat")));
                    return null;
                }),
                new Case("pipeline whose first program is missing", "Cannot run program \"no-such-program-pidspawn\"", (s, d) -> {
                    s.startPipeline(List.of(s.builder("no-such-program-pidspawn"), s.builder(H, "cat")));
                    return null;
                }),
                new Case("pipeline with a null stage", "NullPointerException", (s, d) -> {
                    try {
                        s.startPipeline(Arrays.asList(s.builder(H, "out", "x"), null));
                        return null;
                    } catch (NullPointerException e) {
                        return new Outcome("", "", "", "", e.getClass().getName()); // the messages name each side's variables
                    }
                }, true),
                new Case("missing program", "error: 2 (No such file or directory)", (s, d) -> finish(s.builder("no-such-program-pidspawn").start())),
                new Case("missing absolute program", "error: 2", (s, d) -> finish(s.builder(MISSING_DIR + "/prog").start())),
                new Case("program not executable", "error: 13 (Permission denied)", (s, d) ->
                        finish(s.builder(shared.resolve("not-executable").toString()).start())),
                new Case("program is a directory", "error: 13", (s, d) -> finish(s.builder("/tmp").start())),
                new Case("missing directory", "(in directory \"" + MISSING_DIR + "\")", (s, d) ->
                        finish(s.builder(H, "exit", "0").directory(new File(MISSING_DIR)).start())),
                new Case("directory is a file", "error: 20 (Not a directory)", (s, d) ->
                        finish(s.builder("no-such-program-pidspawn").directory(shared.resolve("not-executable").toFile()).start())),
                new Case("redirect under a missing directory", MISSING_DIR + "/out.txt (No such file or directory)", (s, d) ->
                        finish(s.builder(H, "exit", "0").redirectOutput(out).start())),
                new Case("redirect to a directory", "(Is a directory)", (s, d) ->
                        finish(s.builder(H, "exit", "0").redirectError(Redirect.appendTo(shared.toFile())).start())),
                new Case("redirect from a directory", "(Is a directory)", (s, d) ->
                        finish(s.builder(H, "cat").redirectInput(shared.toFile()).start())),
                new Case("redirect from a missing relative file", "no-such-input (No such file or directory)", (s, d) ->
                        finish(s.builder(H, "cat").redirectInput(new File("no-such-input")).start())),
                new Case("empty command", "ArrayIndexOutOfBoundsException", (s, d) -> finish(s.builder().start())),
                new Case("null argument", "NullPointerException", (s, d) -> finish(s.builder(Arrays.asList(H, null)).start())),
                new Case("NUL in an argument", "invalid null character in command", (s, d) -> finish(s.builder(H, "out", "a\0b").start())),
                new Case("DISCARD as stdin", "Redirect invalid for reading", (s, d) -> finish(s.builder(H).redirectInput(Redirect.DISCARD).start())),
                new Case("a file to read as stdout", "Redirect invalid for writing", (s, d) ->
                        finish(s.builder(H).redirectOutput(Redirect.from(new File("x"))).start())),
                new Case("bad environment name", "Invalid environment variable name: \"A=B\"", (s, d) -> {
                    s.builder(H).environment().put("A=B", "1");
                    return null;
                }),
                new Case("bad environment value", "Invalid environment variable value", (s, d) -> {
                    s.builder(H).environment().put("A", "a\0b");
                    return null;
                }),
                new Case("empty program name", "error: 2 (No such file or directory)", (s, d) -> finish(s.builder("").start())),
                envView("keySet().remove(TRUE)", "ClassCastException", env -> env.keySet().remove(Boolean.TRUE)),
                envView("values().remove(TRUE)", "ClassCastException", env -> env.values().remove(Boolean.TRUE)),
                envView("entrySet().remove(TRUE)", "ClassCastException", env -> env.entrySet().remove(Boolean.TRUE)),
                envView("entrySet().contains(TRUE)", "ClassCastException", env -> env.entrySet().contains(Boolean.TRUE)),
                envView("entrySet().contains((TRUE, \"\"))", "ClassCastException",
                        env -> env.entrySet().contains(new AbstractMap.SimpleImmutableEntry<>(Boolean.TRUE, ""))),
                envView("entrySet().contains(null)", "NullPointerException", env -> env.entrySet().contains(null)),
                envView("keySet().contains(null)", "NullPointerException", env -> env.keySet().contains(null)),
                envView("values().contains(TRUE)", "ClassCastException", env -> env.values().contains(Boolean.TRUE)),
                envView("entrySet().remove((PATH, null))", "NullPointerException",
                        env -> env.entrySet().remove(new AbstractMap.SimpleImmutableEntry<>("PATH", null))),
                envView("entrySet().contains a real entry", "returned true",
                        env -> env.entrySet().contains(Map.entry("PATH", env.get("PATH")))),
                new Case("the empty environment name", "stdout==v\nA=1", (s, d) -> {
                    AnyBuilder b = s.builder(H, "env");
                    b.environment().clear();
                    b.environment().put("A", "1");
                    b.environment().put("", "v");
                    return sorted(finish(b.start()));
                }),
                new Case("Runtime.exec envp with =-names, NULs and junk", "stdout==x\nA=1\nB=2", (s, d) ->
                        sorted(finish(exec(s, new String[] {H, "env"}, new String[] {"=ExitValue=3", "A=1", "junk", "=x", "B=2\0junk"},
                                null)))),
                new Case("Runtime.exec envp with a =-name alone", "stdout==ExitValue=3", (s, d) ->
                        finish(exec(s, new String[] {H, "env"}, new String[] {"=ExitValue=3"}, null))),
                new Case("Runtime.exec of a command string in a directory", "stdout=" + shared + "\ntwo", (s, d) ->
                        finish(s == Side.JDK ? Runtime.getRuntime().exec(H + " cwd ;\tout  two", null, shared.toFile())
                                : PidspawnRuntime.exec(H + " cwd ;\tout  two", null, shared.toFile()))),
                new Case("Runtime.exec of an empty command string", "Empty command", (s, d) ->
                        finish(s == Side.JDK ? Runtime.getRuntime().exec("") : PidspawnRuntime.exec(""))),
                new Case("Runtime.exec of a missing program", "error: 2", (s, d) ->
                        finish(exec(s, new String[] {"no-such-program-pidspawn"}, null, null))));
    }

    /** Runtime.exec on either side. */
    private static Process exec(Side side, String[] cmd, String[] envp, File dir) throws IOException {
        return side == Side.JDK ? Runtime.getRuntime().exec(cmd, envp, dir) : PidspawnRuntime.exec(cmd, envp, dir);
    }

    /** The environment's lines in order, for sides whose maps iterate differently. */
    private static Outcome sorted(Outcome o) {
        return new Outcome(o.exit(), String.join("\n", o.stdout().lines().sorted().toList()), o.stderr(), o.files(), o.failure());
    }

    /**
     * A call on a builder's environment map or its views: what it returned, or the type of what
     * it threw (the messages of helpful NullPointerExceptions name each side's own variables).
     */
    private static Case envView(String name, String jdkShows, java.util.function.Predicate<Map<String, String>> call) {
        return new Case("environment " + name, jdkShows, (s, d) -> {
            try {
                return new Outcome("", "", "", "", "returned " + call.test(s.builder(H).environment()));
            } catch (RuntimeException e) {
                return new Outcome("", "", "", "", e.getClass().getName());
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void behavesAsTheJdk(Case c) throws Exception {
        Set<Integer> before = Helper.openFds();
        Outcome jdk = run(c, Side.JDK);
        if (c.jdkLeaksAPipe()) {
            closeTheJdksLeakedPipe(before);
        }
        Set<Integer> between = Helper.openFds();
        Outcome ours = run(c, Side.PIDSPAWN);
        Set<Integer> left = Helper.openFds();
        left.removeAll(between);
        assertThat(jdk.toString()).as("what the scenario is about").contains(c.jdkShows());
        assertThat(ours).isEqualTo(jdk);
        assertThat(left).as("fds pidspawn left open").isEmpty();
    }

    private static Outcome run(Case c, Side side) throws Exception {
        Path dir = Files.createDirectories(shared.resolve("run-" + side));
        try {
            Outcome o = c.scenario().run(side, dir);
            return o != null ? o : new Outcome("", "", "", "", "returned normally");
        } catch (Exception e) {
            return Outcome.failed(e);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** Reads stdout and stderr to their end, waits, and notes the files the run directory holds. */
    private static Outcome finish(Process p, Path dir) throws Exception {
        String out = text(p.getInputStream().readAllBytes());
        String err = text(p.getErrorStream().readAllBytes());
        int exit = p.waitFor();
        TreeMap<String, String> files = new TreeMap<>();
        if (dir != null) {
            try (Stream<Path> list = Files.list(dir)) {
                for (Path f : list.toList()) {
                    files.put(f.getFileName().toString(), Files.readString(f).strip());
                }
            }
        }
        return new Outcome(Integer.toString(exit), out, err, files.toString(), "");
    }

    /** Every stage's exit value, then the last stage's stdout and stderr and the files in dir. */
    private static Outcome pipelineOutcome(List<Process> ps, Path dir) throws Exception {
        Outcome last = finish(ps.getLast(), dir);
        StringBuilder exits = new StringBuilder();
        for (Process p : ps.subList(0, ps.size() - 1)) {
            exits.append(p.waitFor()).append(',');
        }
        return new Outcome(exits + last.exit(), last.stdout(), last.stderr(), last.files(), "");
    }

    private static Outcome finish(Process p) throws Exception {
        return finish(p, null);
    }

    /** Starts a sleeper, waits until it runs, applies the action; then its exit and what reading stdout does. */
    private static Outcome afterReady(Side side, java.util.function.Consumer<Process> action) throws Exception {
        Process p = side.builder(H, "err", "ready", ";", "sleep", "30").start();
        String ready = new BufferedReader(new InputStreamReader(p.getErrorStream())).readLine();
        action.accept(p);
        int exit = p.waitFor();
        String afterwards;
        try {
            afterwards = "read " + p.getInputStream().read();
        } catch (IOException e) {
            afterwards = "read: " + e.getMessage();
        }
        return new Outcome(Integer.toString(exit), ready, afterwards, "", "alive " + p.isAlive());
    }

    /**
     * Waits until the JDK has closed the pipes of the stages it killed (its reaper thread does
     * that just after waitFor returns) and exactly one new pipe fd is left, the leaked one, and
     * closes it.
     */
    private static void closeTheJdksLeakedPipe(Set<Integer> before) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<Integer> pipes = new ArrayList<>();
            for (int fd : Helper.openFds()) {
                if (!before.contains(fd) && fdTarget(fd).startsWith("pipe:")) {
                    pipes.add(fd);
                }
            }
            if (pipes.size() == 1) {
                Libc.close(pipes.getFirst());
                return;
            }
            assertThat(System.nanoTime()).as("the JDK's pipes left open: %s", pipes).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static String fdTarget(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException closedMeanwhile) {
            return "";
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).strip();
    }
}
