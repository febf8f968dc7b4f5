package io.pidspawn;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Command#output} and {@link Child#output} collect a child's output: what to feed its
 * stdin, how long to let it run, how much output to keep. Immutable; each {@code with} method
 * returns a copy.
 *
 * <pre>{@code
 * Output out = jq.output(Capture.defaults()
 *         .withInput(json)
 *         .withTimeout(Duration.ofSeconds(10))
 *         .withLimit(16 << 20));
 * if (out.timedOut()) ...
 * }</pre>
 *
 * <ul>
 * <li>Input: bytes (written by the library while it reads the output, so a child that answers
 *     before it has read everything cannot deadlock), or a file; by default stdin is the
 *     command's own if it set one, else /dev/null.
 * <li>Timeout: from the spawn to the end of the output. When it passes, the child is killed
 *     with SIGKILL, the output read so far is kept and {@link Output#timedOut()} is true. Without
 *     a timeout, output() waits for both pipes to reach end of file, which a background process
 *     that inherited them can delay past the child's own exit.
 * <li>Limit: the most bytes kept of stdout and, separately, of stderr. A child that writes more
 *     is killed with SIGKILL and {@link Output#limitExceeded()} is true. By default, the most a
 *     Java array holds.
 * </ul>
 */
public final class Capture {
    private static final Capture DEFAULTS = new Capture(null, null, null, Long.MAX_VALUE);

    private final byte[] input;
    private final Path inputFile;
    private final Duration timeout;
    private final long limit;

    private Capture(byte[] input, Path inputFile, Duration timeout, long limit) {
        this.input = input;
        this.inputFile = inputFile;
        this.timeout = timeout;
        this.limit = limit;
    }

    /** No input (stdin is /dev/null unless the command sets it), no timeout, no limit but an array's. */
    public static Capture defaults() {
        return DEFAULTS;
    }

    /** Feeds these bytes to stdin, then closes it. */
    public Capture withInput(byte[] bytes) {
        return new Capture(bytes.clone(), null, timeout, limit);
    }

    /** Feeds this text, as UTF-8, to stdin, then closes it. */
    public Capture withInput(String text) {
        return new Capture(text.getBytes(StandardCharsets.UTF_8), null, timeout, limit);
    }

    /** Gives the child this file as its stdin. */
    public Capture withInput(Path file) {
        return new Capture(null, Objects.requireNonNull(file, "file").toAbsolutePath(), timeout, limit);
    }

    /** Kills the child with SIGKILL if its output has not ended this long after the spawn. */
    public Capture withTimeout(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + d);
        }
        return new Capture(input, inputFile, d, limit);
    }

    /** Keeps at most this many bytes of stdout and of stderr; a child that writes more is killed. */
    public Capture withLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative limit " + bytes);
        }
        return new Capture(input, inputFile, timeout, bytes);
    }

    byte[] input() {
        return input;
    }

    Path inputFile() {
        return inputFile;
    }

    Duration timeout() {
        return timeout;
    }

    long limit() {
        return limit;
    }

    boolean hasInput() {
        return input != null || inputFile != null;
    }
}
