package io.pidspawn.cli;

import io.pidspawn.internal.linux.Libc;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The batch's progress line on a terminal, redrawn in place on stderr:
 * {@code [#######-------------]  212/500  running 8  failed 3  141.2/s  ETA 0:02}.
 * Without a known total (input still coming from a pipe) the bar and the ETA are left out.
 */
final class Progress {
    private static final int BAR = 20;

    private final PrintStream err;
    private final long started = System.nanoTime();
    private boolean drawn;

    private Progress(PrintStream err) {
        this.err = err;
    }

    /** A progress line when stderr is a terminal, else null: nothing of it reaches a file or a pipe. */
    static Progress onTerminal() {
        return Libc.isatty(2) ? new Progress(System.err) : null;
    }

    /** What the line shows. {@code total} is -1 while unknown. */
    record Counts(int done, int running, int failed, int total) {}

    /** Redraws the line. */
    void draw(Counts c) {
        err.print("\r" + line(c, System.nanoTime() - started) + "\033[K");
        err.flush();
        drawn = true;
    }

    /** Erases the line, so that something else can be written on the terminal. */
    void clear() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
            drawn = false;
        }
    }

    /** Draws the final state and ends the line. */
    void finish(Counts c) {
        draw(c);
        err.println();
        drawn = false;
    }

    static String line(Counts c, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? c.done() / seconds : 0;
        StringBuilder s = new StringBuilder();
        if (c.total() >= 0) {
            int filled = c.total() == 0 ? BAR : (int) ((long) BAR * c.done() / c.total());
            s.append('[').append("#".repeat(filled)).append("-".repeat(BAR - filled)).append("] ");
            s.append(String.format(Locale.ROOT, "%4d/%d", c.done(), c.total()));
        } else {
            s.append(c.done()).append(" done");
        }
        s.append("  running ").append(c.running()).append("  failed ").append(c.failed());
        s.append(String.format(Locale.ROOT, "  %.1f/s", rate));
        if (c.total() >= 0 && c.done() < c.total()) {
            s.append("  ETA ").append(rate > 0 ? clock((c.total() - c.done()) / rate) : "?");
        } else if (c.total() >= 0) {
            s.append("  in ").append(clock(seconds));
        }
        return s.toString();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
