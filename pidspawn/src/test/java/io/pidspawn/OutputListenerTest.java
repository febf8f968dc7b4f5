package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.testkit.Helper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Output as chunks and lines while it comes: splitting, decoding, order, back-pressure and the thread count. */
@ExtendWith(LeakGuard.class)
class OutputListenerTest {
    private static Command sh(String script, boolean stderrToo) throws ErrnoException {
        return Command.builder("/bin/sh").args("-c", script).stdout(Stdio.pipe())
                .stderr(stderrToo ? Stdio.pipe() : Stdio.inherit()).build();
    }

    /** Every line of the script's stdout and stderr, tagged "OUT:" or "ERR:". */
    private static List<String> lines(String script, LineListenerFactory f) throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        try (Command c = sh(script, true); Child child = c.spawn()) {
            child.onOutput(f.make((s, l) -> seen.add((s == StdStream.STDOUT ? "OUT:" : "ERR:") + l))).get(60, TimeUnit.SECONDS);
            assertThat(child.waitFor().success()).isTrue();
        }
        return seen;
    }

    private interface LineListenerFactory {
        LineListener make(LineListener.Lines lines);
    }

    @Test
    void linesSplitAcrossReadsAreJoined() throws Exception {
        assertThat(lines("printf ab; sleep 0.2; printf 'c\\nd'; sleep 0.2; printf 'e\\n\\nf\\n'", LineListener::of))
                .containsExactly("OUT:abc", "OUT:de", "OUT:", "OUT:f");
    }

    @Test
    void crlfEndsALineAndALoneCrIsKept() throws Exception {
        assertThat(lines("printf 'a\\r\\nb\\r'; sleep 0.2; printf '\\nx\\ry\\n'", LineListener::of))
                .containsExactly("OUT:a", "OUT:b", "OUT:x\ry");
    }

    @Test
    void theFinalLineWithoutNewlineComesAtTheEnd() throws Exception {
        assertThat(lines("printf 'one\\nlast'; printf 'tail' >&2", LineListener::of))
                .containsExactlyInAnyOrder("OUT:one", "OUT:last", "ERR:tail");
    }

    @Test
    void invalidUtf8IsReplaced() throws Exception {
        assertThat(lines("printf '\\377\\376ok \\342\\202'; sleep 0.2; printf '\\254\\n'", LineListener::of))
                .containsExactly("OUT:\uFFFD\uFFFDok \u20AC"); // the euro sign split across two reads
        assertThat(lines("printf 'caf\\351\\n'", l -> LineListener.of(StandardCharsets.ISO_8859_1, 100, l)))
                .containsExactly("OUT:caf\u00e9");
        // a character cut short by the end of the stream, on stdout and on stderr
        assertThat(lines("printf 'ok\\342\\202'; printf 'no\\360\\237' >&2", LineListener::of))
                .containsExactlyInAnyOrder("OUT:ok\uFFFD", "ERR:no\uFFFD");
    }

    @Test
    void aPieceOfALongLineNeverEndsInHalfACharacter() throws Exception {
        // U+1F600 is two chars in Java: a piece of 4 would end between them
        assertThat(lines("printf 'abc\\360\\237\\230\\200defg\\n'", l -> LineListener.of(StandardCharsets.UTF_8, 4, l)))
                .containsExactly("OUT:abc", "OUT:\uD83D\uDE00de", "OUT:fg");
        assertThat(lines("printf '\\360\\237\\230\\200x\\n'", l -> LineListener.of(StandardCharsets.UTF_8, 1, l)))
                .containsExactly("OUT:\uD83D\uDE00", "OUT:x");
    }

    @Test
    void aTenMebibyteLineComesInPiecesOfTheLimit() throws Exception {
        List<Integer> pieces = Collections.synchronizedList(new ArrayList<>());
        try (Command c = sh("head -c 10485760 /dev/zero | tr '\\0' x; echo; echo after", false); Child child = c.spawn()) {
            child.onOutput(LineListener.of(StandardCharsets.UTF_8, 64 * 1024, (s, l) -> pieces.add(l.equals("after") ? -1 : l.length())))
                    .get(60, TimeUnit.SECONDS);
            child.waitFor();
        }
        assertThat(pieces).hasSize(161);
        assertThat(pieces.subList(0, 160)).allMatch(n -> n == 64 * 1024);
        assertThat(pieces.get(160)).isEqualTo(-1); // no empty line for the newline after the last full piece
    }

    @Test
    void stdoutAndStderrInterleaveInArrivalOrderTagged() throws Exception {
        assertThat(lines("echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; echo out2; sleep 0.2; echo err2 >&2", LineListener::of))
                .containsExactly("OUT:out1", "ERR:err1", "OUT:out2", "ERR:err2");
    }

    @Test
    void aSlowListenerMakesTheChildWaitInsteadOfBuffering() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        try (Command c = Command.builder("head").args("-c", "8388608", "/dev/zero").stdout(Stdio.pipe()).build();
                Child child = c.spawn()) {
            CompletableFuture<Void> done = child.onOutput(new OutputListener() {
                @Override
                public void onChunk(StdStream stream, byte[] bytes) {
                    received.addAndGet(bytes.length);
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            assertThat(child.waitFor(Duration.ofMillis(500))).isFalse(); // blocked in write(2): the pipe is full
            assertThat(received.get()).isLessThanOrEqualTo(64 * 1024); // one chunk taken, the rest left in the child
            // what the child has written is that chunk and a full pipe, not what this process buffered
            assertThat(written(child.pid())).isLessThanOrEqualTo(received.get() + 64 * 1024);
            release.countDown();
            done.get(60, TimeUnit.SECONDS);
            assertThat(received.get()).isEqualTo(8 << 20);
            assertThat(child.waitFor().success()).isTrue();
        }
    }

    @Test
    void aListenerThatThrowsFailsTheFutureAndTheChildGetsEpipe() throws Exception {
        try (Command c = Command.builder("yes").stdout(Stdio.pipe()).build(); Child child = c.spawn()) {
            CompletableFuture<Void> done = child.onOutput((stream, bytes) -> {
                throw new IllegalStateException("listener broke");
            });
            assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("listener broke");
            assertThat(child.waitFor().signal()).isEqualTo(Signals.SIGPIPE);
        }
        try (Command c = Command.builder("/bin/true").build(); Child child = c.spawn()) {
            assertThatThrownBy(() -> child.onOutput((s, b) -> { })).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("neither stdout nor stderr");
            child.waitFor();
        }
    }

    /** What a process has written so far, from /proc/PID/io. */
    private static long written(int pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new AssertionError("no wchar in /proc/" + pid + "/io");
    }

    @Test
    void aThousandChildrenStreamAtOnceOnTheLibrarysTwoThreads() throws Exception {
        int n = 1000;
        CountDownLatch firstLines = new CountDownLatch(n);
        AtomicInteger lines = new AtomicInteger();
        AtomicInteger maxThreads = new AtomicInteger();
        AtomicInteger maxOthers = new AtomicInteger();
        int othersBefore = otherLibraryThreads();
        int allBefore = Thread.getAllStackTraces().size();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        List<Child> children = new ArrayList<>();
        // every child prints a line, then waits on a shared gate for its second one
        int[] gate = Libc.pipe2(Libc.O_CLOEXEC);
        try (Command c = Command.builder(Helper.path()).args("out", "first", ";", "cat", ";", "out", "second")
                .stdin(Stdio.fd(gate[0])).stdout(Stdio.pipe()).build()) {
            for (int i = 0; i < n; i++) {
                Child child = c.spawn();
                children.add(child);
                all.add(child.onOutput(LineListener.of((s, l) -> {
                    lines.incrementAndGet();
                    maxThreads.accumulateAndGet(libraryThreads(), Math::max);
                    maxOthers.accumulateAndGet(otherLibraryThreads(), Math::max);
                    if (l.equals("first")) {
                        firstLines.countDown();
                    }
                }), i % 2 == 0 ? caller : io.pidspawn.internal.reaper.ExitDispatcher.executor()));
            }
            assertThat(firstLines.await(60, TimeUnit.SECONDS)).isTrue();
            // all of them running and streaming now: no thread each
            assertThat(children).allSatisfy(child -> assertThat(child.exitStatus()).isEmpty());
            assertThat(Thread.getAllStackTraces().size() - allBefore).as("threads started").isLessThanOrEqualTo(8);
            Libc.close(gate[1]);
            gate[1] = -1;
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (Child child : children) {
                assertThat(child.waitFor().success()).isTrue();
            }
        } finally {
            Libc.close(gate[0]);
            if (gate[1] >= 0) {
                Libc.close(gate[1]);
            }
            for (Child child : children) {
                child.kill();
                child.waitFor();
                child.close();
            }
            caller.shutdown();
        }
        assertThat(lines.get()).isEqualTo(2 * n);
        // the reaper reads, pidspawn-exit runs the callbacks: no thread per child
        assertThat(maxThreads.get() - maxOthers.get()).isBetween(1, 2);
        // and no other library thread started for them (earlier tests may have left the spawner or idmap ones)
        assertThat(maxOthers.get()).isLessThanOrEqualTo(othersBefore);
    }

    /** Library threads but the reaper and the callback thread: ones a streaming child must not need. */
    private static int otherLibraryThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("pidspawn-"))
                .filter(t -> !t.getName().equals("pidspawn-reaper") && !t.getName().equals("pidspawn-exit")).count();
    }

    private static int libraryThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("pidspawn-")).count();
    }
}
