package io.pidspawn;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a child wrote and how it ended, from {@link Command#output} or {@link Child#output}.
 *
 * <pre>{@code
 * Output out = Command.builder("git").args("rev-parse", "HEAD").build().output();
 * if (out.success()) {
 *     String head = out.stdoutText().strip();
 * }
 * }</pre>
 *
 * The arrays are the caller's: they are not copied on the way out.
 *
 * @param status how the child ended; killed by SIGKILL when it timed out or exceeded the limit
 * @param stdout what it wrote to stdout (empty when stdout was not captured)
 * @param stderr what it wrote to stderr (empty when merged into stdout, or not captured)
 * @param timedOut whether the timeout passed and the library killed the child
 * @param limitExceeded whether it wrote more than the limit, so that the library killed it and
 *     kept only the first bytes
 * @param killedBy how far the library's kill reached when it ended the child (timeout, limit),
 *     or null when it killed nothing; {@link #status()} says which signal ended the child itself,
 *     and {@link ExitStatus#usage()} what it used
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr, boolean timedOut, boolean limitExceeded,
                     KillScope killedBy) {
    /**
     * An output whose child the library did not kill ({@link #killedBy()} null).
     *
     * @param status how the child ended
     * @param stdout what it wrote to stdout
     * @param stderr what it wrote to stderr
     * @param timedOut whether the timeout passed
     * @param limitExceeded whether it wrote more than the limit
     */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr, boolean timedOut, boolean limitExceeded) {
        this(status, stdout, stderr, timedOut, limitExceeded, null);
    }

    /**
     * Exited with code 0, within the timeout and the limit.
     *
     * @return true if the child exited with code 0, neither timed out nor over the limit
     */
    public boolean success() {
        return status.success() && !timedOut && !limitExceeded;
    }

    /**
     * Stdout decoded as UTF-8 (malformed input replaced).
     *
     * @return the text, empty when stdout was not captured
     */
    public String stdoutText() {
        return stdoutText(StandardCharsets.UTF_8);
    }

    /**
     * Stdout decoded in this charset (malformed input replaced).
     *
     * @param charset the charset the child wrote in; not null
     * @return the text
     */
    public String stdoutText(Charset charset) {
        return new String(stdout, charset);
    }

    /**
     * Stderr decoded as UTF-8 (malformed input replaced).
     *
     * @return the text, empty when stderr was not captured
     */
    public String stderrText() {
        return stderrText(StandardCharsets.UTF_8);
    }

    /**
     * Stderr decoded in this charset (malformed input replaced).
     *
     * @param charset the charset the child wrote in; not null
     * @return the text
     */
    public String stderrText(Charset charset) {
        return new String(stderr, charset);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output other && status.equals(other.status) && Arrays.equals(stdout, other.stdout)
                && Arrays.equals(stderr, other.stderr) && timedOut == other.timedOut && limitExceeded == other.limitExceeded
                && killedBy == other.killedBy;
    }

    @Override
    public int hashCode() {
        return ((status.hashCode() * 31 + Arrays.hashCode(stdout)) * 31 + Arrays.hashCode(stderr)) * 4
                + (timedOut ? 2 : 0) + (limitExceeded ? 1 : 0);
    }

    /** {@code Output[exit 0, stdout 12 bytes, stderr 0 bytes]}, plus "timed out" or "limit exceeded". */
    @Override
    public String toString() {
        return "Output[" + status + ", stdout " + stdout.length + " bytes, stderr " + stderr.length + " bytes"
                + (timedOut ? ", timed out" : "") + (limitExceeded ? ", limit exceeded" : "")
                + (killedBy != null ? ", killed " + killedBy.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') : "") + "]";
    }
}
