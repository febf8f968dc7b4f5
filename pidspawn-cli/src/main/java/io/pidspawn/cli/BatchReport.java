package io.pidspawn.cli;

import io.pidspawn.Usage;
import io.pidspawn.internal.linux.Libc;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code pidspawn batch} prints: one JSON line per job on stdout as each job ends, then the
 * summary line, with the counts behind both and behind the progress line. Thread-safe: results
 * come from the launcher (jobs that could not start) and from the library's exit thread.
 */
final class BatchReport {
    /**
     * How one job ended. {@code usage} is what it used (null when it did not run); {@code killScope}
     * how far pidspawn's kill reached (cgroup, process-group or child), or null when it killed
     * nothing. {@code stdout} and {@code stderr} are the captured text, or the files they went to;
     * {@code error} says why the job did not run, and then exit and signal are null.
     */
    record Result(int index, List<String> argv, Integer exit, String signal, boolean timedOut, double durationMs,
                  Usage usage, String killScope, String stdout, String stderr, String error) {
        static Result error(int index, List<String> argv, String error, double durationMs) {
            return new Result(index, argv, null, null, false, durationMs, null, null, null, null, error);
        }

        boolean ok() {
            return exit != null && exit == 0 && !timedOut;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", index);
            m.put("argv", argv);
            m.put("exit", exit);
            m.put("signal", signal);
            m.put("timed_out", timedOut);
            m.put("duration_ms", durationMs);
            m.put("cpu_user_ms", usage == null ? null : usage.userCpu().toNanos() / 1e6);
            m.put("cpu_sys_ms", usage == null ? null : usage.systemCpu().toNanos() / 1e6);
            if (usage != null && usage.memoryPeakBytes() >= 0) {
                m.put("memory_peak_bytes", usage.memoryPeakBytes());
            }
            m.put("oom_killed", usage != null && usage.oomKilled());
            m.put("kill_scope", killScope);
            m.put("stdout", stdout);
            m.put("stderr", stderr);
            m.put("error", error);
            return m;
        }
    }

    private final PrintStream out;
    private volatile boolean outputLost;
    private final Progress progress; // null: stderr is no terminal
    private final boolean stdoutIsTerminal;
    private final long started = System.nanoTime();
    private int running;
    private int total = -1;
    private int ok;
    private int failed;
    private int timedOut;
    private int errors;

    BatchReport(PrintStream out, Progress progress) {
        this.out = out;
        this.progress = progress;
        this.stdoutIsTerminal = progress != null && Libc.isatty(1);
    }

    /** A job was spawned and runs. */
    synchronized void started() {
        running++;
    }

    /** How many jobs the input holds, when that is known before it is read (a file): for the bar and the ETA. */
    synchronized void expect(int jobs) {
        total = jobs;
    }

    /** The input has ended after {@code jobs} jobs. */
    synchronized void inputEnded(int jobs) {
        total = jobs;
    }

    /** Prints a job's result line; {@code wasRunning} if it was {@link #started}. */
    synchronized void add(Result r, boolean wasRunning) {
        if (wasRunning) {
            running--;
        }
        if (r.error() != null) {
            errors++;
        } else if (r.timedOut()) {
            timedOut++;
        } else if (r.ok()) {
            ok++;
        } else {
            failed++;
        }
        if (stdoutIsTerminal) {
            progress.clear(); // redrawn on the next tick
        }
        out.println(Json.write(r.json()));
        out.flush();
        outputLost |= out.checkError();
    }

    /** Whether writing a result failed: whoever read the results is gone. */
    boolean outputLost() {
        return outputLost;
    }

    /** Whether a progress line is drawn. */
    boolean showsProgress() {
        return progress != null;
    }

    /** A message of pidspawn's own on stderr, clear of the progress line. */
    synchronized void warn(String message) {
        if (progress != null) {
            progress.clear();
        }
        System.err.println("pidspawn: " + message);
    }

    /** Redraws the progress line, if there is one. */
    synchronized void tick() {
        if (progress != null) {
            progress.draw(counts());
        }
    }

    /** Ends without a summary (the input failed before its first job): only clears the progress line. */
    synchronized void abandon() {
        if (progress != null) {
            progress.clear();
        }
    }

    /** Prints the summary line; {@code interrupted} adds {@code "interrupted": true} to it. */
    synchronized void summary(boolean interrupted) {
        if (progress != null) {
            progress.finish(counts());
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("total", done());
        s.put("ok", ok);
        s.put("failed", failed);
        s.put("timed_out", timedOut);
        s.put("errors", errors);
        s.put("duration_ms", (System.nanoTime() - started) / 1_000_000);
        if (interrupted) {
            s.put("interrupted", true);
        }
        out.println(Json.write(Map.of("summary", s)));
        out.flush();
    }

    /** Whether every job so far exited 0 in time. */
    synchronized boolean allOk() {
        return ok == done();
    }

    private int done() {
        return ok + failed + timedOut + errors;
    }

    private Progress.Counts counts() {
        return new Progress.Counts(done(), running, failed + timedOut + errors, total);
    }
}
