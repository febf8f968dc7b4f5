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
 * <li>Timeout: from the spawn to the end of the output. When it passes, the child and its tree
 *     are killed with SIGKILL (or sent SIGTERM and killed after a {@linkplain #withKillGrace
 *     grace period}), the output read until then is kept, {@link Output#timedOut()} is true and
 *     {@link Output#killedBy()} says how far the kill reached. With a timeout, the child gets a
 *     cgroup of its own when the system lets the library create one, so that the kill reaches
 *     daemons it started; else its process group. Without a timeout, output() waits for both
 *     pipes to reach end of file, which a background process that inherited them can delay past
 *     the child's own exit.
 * <li>Limit: the most bytes kept of stdout and, separately, of stderr. A child that writes more
 *     is killed with SIGKILL and {@link Output#limitExceeded()} is true. By default, the most a
 *     Java array holds.
 * </ul>
 */
public final class Capture {
    private static final Capture DEFAULTS = new Capture(null, null, null, Long.MAX_VALUE, null, Signals.SIGTERM);

    private final byte[] input;
    private final Path inputFile;
    private final Duration timeout;
    private final long limit;
    private final Duration grace; // null: SIGKILL at the timeout
    private final int timeoutSignal;

    private Capture(byte[] input, Path inputFile, Duration timeout, long limit, Duration grace, int timeoutSignal) {
        this.input = input;
        this.inputFile = inputFile;
        this.timeout = timeout;
        this.limit = limit;
        this.grace = grace;
        this.timeoutSignal = timeoutSignal;
    }

    /**
     * The starting point: no input (stdin is /dev/null unless the command sets it), no timeout, no
     * limit but an array's, SIGTERM as the timeout signal.
     *
     * @return the shared default settings
     */
    public static Capture defaults() {
        return DEFAULTS;
    }

    /**
     * Feeds these bytes to stdin, then closes it. The array is copied.
     *
     * @param bytes the child's whole input; not null
     * @return a copy of these settings with this input, replacing any input set before
     * @throws NullPointerException if {@code bytes} is null
     */
    public Capture withInput(byte[] bytes) {
        return new Capture(bytes.clone(), null, timeout, limit, grace, timeoutSignal);
    }

    /**
     * Feeds this text, as UTF-8, to stdin, then closes it.
     *
     * @param text the child's whole input; not null
     * @return a copy of these settings with this input, replacing any input set before
     * @throws NullPointerException if {@code text} is null
     */
    public Capture withInput(String text) {
        return new Capture(text.getBytes(StandardCharsets.UTF_8), null, timeout, limit, grace, timeoutSignal);
    }

    /**
     * Gives the child this file as its stdin, opened read-only when the child is spawned.
     *
     * @param file the file, made absolute against the JVM's working directory now; not null
     * @return a copy of these settings with this input, replacing any input set before
     * @throws NullPointerException if {@code file} is null
     */
    public Capture withInput(Path file) {
        return new Capture(null, Objects.requireNonNull(file, "file").toAbsolutePath(), timeout, limit, grace, timeoutSignal);
    }

    /**
     * Ends the child and its tree if its output has not ended this long after the spawn: SIGKILL
     * at once, or, with {@link #withKillGrace}, a signal first and SIGKILL after the grace.
     *
     * @param d the time from the spawn to the end of the output; zero kills at once; not null
     * @return a copy of these settings with this timeout
     * @throws IllegalArgumentException if {@code d} is negative
     * @throws NullPointerException if {@code d} is null
     */
    public Capture withTimeout(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + d);
        }
        return new Capture(input, inputFile, d, limit, grace, timeoutSignal);
    }

    /**
     * At the timeout, sends {@link #withTimeoutSignal the timeout signal} (SIGTERM unless set) to
     * the tree first and SIGKILL only once this grace has passed, so the child can clean up.
     * Without a timeout the grace has no effect.
     *
     * @param g the time between the timeout signal and SIGKILL; not null
     * @return a copy of these settings with this grace period
     * @throws IllegalArgumentException if {@code g} is negative
     * @throws NullPointerException if {@code g} is null
     */
    public Capture withKillGrace(Duration g) {
        if (g.isNegative()) {
            throw new IllegalArgumentException("negative grace period " + g);
        }
        return new Capture(input, inputFile, timeout, limit, g, timeoutSignal);
    }

    /**
     * The signal a timeout sends first when there is a {@link #withKillGrace grace period} (default
     * SIGTERM). Without a grace period the timeout sends SIGKILL whatever this is.
     *
     * @param signal a signal number from 1 to {@link Signals#MAX}, for example {@link Signals#SIGINT}
     * @return a copy of these settings with this timeout signal
     * @throws IllegalArgumentException if {@code signal} is not a signal number
     */
    public Capture withTimeoutSignal(int signal) {
        if (signal <= 0 || signal > Signals.MAX) {
            throw new IllegalArgumentException("not a signal number: " + signal);
        }
        return new Capture(input, inputFile, timeout, limit, grace, signal);
    }

    /**
     * Keeps at most this many bytes of stdout and, separately, of stderr; a child that writes more
     * is killed with SIGKILL and {@link Output#limitExceeded()} is true.
     *
     * @param bytes the most bytes kept of each stream; zero allows no output at all
     * @return a copy of these settings with this limit
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Capture withLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative limit " + bytes);
        }
        return new Capture(input, inputFile, timeout, bytes, grace, timeoutSignal);
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

    Duration grace() {
        return grace;
    }

    int timeoutSignal() {
        return grace == null ? Signals.SIGKILL : timeoutSignal;
    }

    boolean hasInput() {
        return input != null || inputFile != null;
    }
}
