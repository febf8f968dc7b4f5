package io.pidspawn.cli;

import io.pidspawn.Capture;
import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ConfigException;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.KillScope;
import io.pidspawn.Output;
import io.pidspawn.Signals;
import io.pidspawn.SpawnOverrides;
import io.pidspawn.Stdio;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs one batch: reads jobs, keeps at most {@code jobs} of them running, and reports each as it
 * ends. No thread per job: the library's reaper reaps the children and reads their pipes, and
 * their results arrive, and are printed, on its exit thread ({@link Child#outputAsync}). The
 * batch itself has three threads, however many jobs: the launcher (reads a line, waits for a
 * free slot, spawns), the caller's (waits for the end, redraws the progress line) and a timer
 * (kills the jobs that time out). The JDK's delay scheduler thread keeps the captures' own,
 * later, timeouts (see {@link #PIPE_GRACE}).
 *
 * <p>Every job leads a process group of its own, and a job with a timeout or a limit has a
 * cgroup of its own where the library can create one ({@link Templates}). A timeout kills the
 * job's tree with SIGKILL, through the cgroup if it has one (daemons that left the group by
 * setsid included), else the group; with a kill grace, SIGTERM first and SIGKILL once the grace
 * has passed. SIGINT, SIGTERM or SIGHUP to pidspawn kills the tree of every running job, after
 * which no job is started, the killed jobs and the summary are still reported, and {@link #run}
 * returns 128 + the signal.
 */
final class Batch {
    /**
     * How long after a timeout's group kill the capture gives up waiting for the end of pipes
     * that something outside the group still holds (a daemon the job started in a new session).
     */
    private static final Duration PIPE_GRACE = Duration.ofSeconds(1);

    /**
     * @param jobs how many jobs run at once
     * @param defaults the timeout, grace, limits and sandbox of jobs that set none
     * @param outputDir where stdout and stderr go as INDEX.stdout and INDEX.stderr; null captures them inline
     */
    record Options(int jobs, BatchJob.Defaults defaults, Path outputDir) {}

    private final Options options;
    private final BatchReport report;
    private final Templates templates = new Templates();
    private final Semaphore slots;
    private final ScheduledThreadPoolExecutor timer;

    private final Object lock = new Object();
    private final Set<Running> running = new HashSet<>(); // guarded by lock
    private int inFlight; // guarded by lock: jobs being launched or running, not yet reported
    private boolean inputDone; // guarded by lock
    private int stopSignal; // guarded by lock: the signal that stopped the batch, or 0
    private boolean inputFailed; // guarded by lock
    private int jobsRead; // guarded by lock: set once the input has ended
    private boolean ended; // guarded by lock: every job is reported, a signal changes nothing now

    Batch(Options options, BatchReport report) {
        this.options = options;
        this.report = report;
        this.slots = new Semaphore(options.jobs());
        this.timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("pidspawn-batch-timer").factory());
        timer.setRemoveOnCancelPolicy(true); // a job that ends in time leaves no task behind
    }

    /**
     * Runs every job of {@code input}, prints the summary and closes {@code input}, unless a
     * signal stopped the batch while the launcher was blocked reading it (from a pipe whose
     * writer goes on): it is then left to the process's exit. An input that fails before its
     * first job gets its one error line and no summary, as a FILE that cannot be opened does.
     *
     * @param inputName FILE, or {@code stdin}, for the error when reading fails
     * @return 0 if every job exited 0, 1 if any failed, timed out or could not run, 125 if the
     *     input could not be read to its end, 128 + N if signal N stopped the batch
     */
    int run(BufferedReader input, String inputName) throws InterruptedException {
        Thread launcher;
        int stoppedBy;
        try (StopSignals _ = new StopSignals(this::stop)) {
            launcher = Thread.ofPlatform().daemon().name("pidspawn-batch-launcher").start(() -> launchAll(input, inputName));
            stoppedBy = awaitEnd();
            if (stoppedBy == 0) {
                launcher.join(); // done reading
            } else {
                launcher.join(Duration.ofMillis(200)); // it may be blocked reading a pipe
            }
            boolean nothingRead;
            synchronized (lock) {
                nothingRead = inputFailed && jobsRead == 0 && stoppedBy == 0;
            }
            // An input that fails before its first job is an error alone, as one that cannot be opened.
            if (nothingRead) {
                report.abandon();
            } else {
                report.summary(stoppedBy != 0);
            }
        } finally {
            timer.shutdownNow();
            templates.close();
        }
        if (!launcher.isAlive()) {
            closeQuietly(input);
        }
        synchronized (lock) {
            return stoppedBy != 0 ? 128 + stoppedBy : inputFailed ? 125 : report.allOk() ? 0 : 1;
        }
    }

    /**
     * Waits until no job is running and none will start; returns the signal that stopped the
     * batch, or 0. A reader of the results that went away (as {@code | head} does) stops it as
     * SIGPIPE would stop a program writing to it: the jobs' results have nowhere to go.
     */
    private int awaitEnd() throws InterruptedException {
        boolean readerGone = false;
        while (true) {
            synchronized (lock) {
                if ((inputDone || stopSignal != 0) && inFlight == 0) {
                    ended = true;
                    return stopSignal;
                }
                lock.wait(100);
            }
            report.tick();
            if (!readerGone && (report.outputLost() || stdoutHasNoReader())) {
                readerGone = true;
                stop(Signals.SIGPIPE);
            }
        }
    }

    /** POLLERR on our stdout: it is a pipe whose reading end every reader has closed. */
    private static boolean stdoutHasNoReader() {
        int revents = Libc.pollOne(1, (short) 0, 0);
        return revents > 0 && (revents & Libc.POLLERR) != 0;
    }

    /**
     * On SIGINT, SIGTERM or SIGHUP ({@link StopSignals}), or when the results' reader is gone
     * (SIGPIPE): start nothing more, kill every running job's process group.
     */
    void stop(int sig) {
        List<Running> victims;
        synchronized (lock) {
            if (ended) {
                return; // everything is reported already
            }
            if (stopSignal == 0) {
                stopSignal = sig;
            }
            victims = List.copyOf(running);
            lock.notifyAll();
        }
        for (Running r : victims) {
            r.kill(Kill.STOP);
        }
    }

    private static void closeQuietly(BufferedReader input) {
        try {
            input.close();
        } catch (IOException ignored) {
            // read to its end or abandoned; nothing to report
        }
    }

    // ---- the launcher thread ----

    private void launchAll(BufferedReader input, String inputName) {
        int index = 0;
        int lineNumber = 0;
        try {
            while (true) {
                slots.acquireUninterruptibly();
                String line;
                do {
                    line = input.readLine();
                    lineNumber++;
                } while (line != null && line.isBlank());
                if (line == null || !begin()) {
                    slots.release();
                    break;
                }
                launch(index++, lineNumber, line);
            }
        } catch (IOException e) {
            report.warn(inputName + ": " + BatchCommand.cannotRead(e)
                    + (index == 0 ? "" : " after line " + lineNumber + "; no more jobs are started"));
            synchronized (lock) {
                inputFailed = true;
            }
        } finally {
            report.inputEnded(index);
            synchronized (lock) {
                jobsRead = index;
                inputDone = true;
                lock.notifyAll();
            }
        }
    }

    /** Counts a job in, unless a signal stopped the batch. */
    private boolean begin() {
        synchronized (lock) {
            if (stopSignal != 0) {
                return false;
            }
            inFlight++;
            return true;
        }
    }

    private void launch(int index, int lineNumber, String line) {
        long start = System.nanoTime();
        BatchJob job;
        try {
            job = BatchJob.parse(line, options.defaults());
        } catch (IllegalArgumentException e) {
            end(BatchReport.Result.error(index, null, "line " + lineNumber + ": " + e.getMessage(), millisSince(start)), null);
            return;
        }
        Running r;
        try {
            Command template = templates.forJob(job);
            r = new Running(index, job, spawn(template, job, index), start);
        } catch (ErrnoException | IllegalArgumentException | IllegalStateException e) {
            String field = e instanceof ConfigException ce ? BatchJob.field(ce.key()) : null;
            String message = field == null ? e.getMessage()
                    : ((ConfigException) e).restate(field + (((ConfigException) e).value() == null ? ""
                            : " " + ConfigException.quote(((ConfigException) e).value()))).getMessage();
            end(BatchReport.Result.error(index, job.argv(), message, millisSince(start)), null);
            return;
        }
        report.started();
        boolean stopped;
        synchronized (lock) {
            running.add(r);
            stopped = stopSignal != 0;
        }
        if (stopped) {
            r.kill(Kill.STOP); // the signal came while it was being spawned
        }
        Capture capture = Capture.defaults();
        if (job.timeout() != null) {
            r.timeoutTask = timer.schedule(() -> r.kill(Kill.TIMEOUT), job.timeout().toNanos(), TimeUnit.NANOSECONDS);
            Duration grace = job.killGrace() == null ? Duration.ZERO : job.killGrace();
            capture = capture.withTimeout(job.timeout().plus(grace).plus(PIPE_GRACE));
        }
        r.output = r.child.outputAsync(capture);
        r.output.whenComplete(r::ended);
    }

    private Child spawn(Command template, BatchJob job, int index) throws ErrnoException {
        SpawnOverrides o = SpawnOverrides.none()
                .withArg0(job.argv().getFirst())
                .withArgs(job.argv().subList(1, job.argv().size()))
                .withEnv(job.env());
        if (job.cwd() != null) {
            o = o.withCwd(job.cwd());
        }
        if (job.pty()) {
            Child c = template.spawn(o.withStdin(Stdio.pty()).withStdout(Stdio.pty()).withStderr(Stdio.pty()));
            typeInput(c, job.stdin());
            return c;
        }
        if (options.outputDir() == null) {
            o = o.withStdout(Stdio.pipe()).withStderr(Stdio.pipe());
        } else {
            o = o.withStdout(Stdio.writeTo(outputFile(index, "stdout"))).withStderr(Stdio.writeTo(outputFile(index, "stderr")));
        }
        if (job.stdin() == null) {
            return template.spawn(o.withStdin(Stdio.discard()));
        }
        int stdin = MemoryFile.of(job.stdin().getBytes(StandardCharsets.UTF_8));
        try {
            return template.spawn(o.withStdin(Stdio.fd(stdin)));
        } finally {
            Libc.close(stdin); // the child has its own
        }
    }

    /**
     * A pty job's stdin is typed into its terminal, then its end (Ctrl-D) once the job has read
     * it, on a virtual thread of its own, as the job may read slower than it comes; without
     * stdin, only the end, as /dev/null would read. The wait watches the job's own replica, its
     * fd 0 copied through its pidfd (pidfd_getfd; without it, the end is typed at once). A job
     * that exits first leaves the rest untyped.
     */
    private static void typeInput(Child c, String stdin) {
        OutputStream terminal = c.terminal().outputStream();
        byte[] text = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
        Thread.ofVirtual().name("pidspawn-batch-pty-input").start(() -> {
            int replica = -1;
            try {
                terminal.write(text);
                try { // only now: a copy held while the job is gone would keep its terminal from ending
                    replica = PidfdSpawn.pidfd_getfd(c.pidfd(), 0, 0);
                } catch (ErrnoException | IllegalStateException e) {
                    // exited already, or not ours to copy: no wait
                }
                PtyRelay.endOfInput(c.terminal(), replica, text.length == 0 || text[text.length - 1] == '\n',
                        () -> c.exitStatus().isPresent());
            } catch (IOException | IllegalStateException ended) {
                // the job's terminal is closed: it is done with its input
            } finally {
                if (replica >= 0) {
                    Libc.close(replica);
                }
            }
        });
    }

    private Path outputFile(int index, String stream) {
        return options.outputDir().resolve(index + "." + stream);
    }

    /** Reports a job and frees its slot; {@code r} is null for a job that never ran. */
    private void end(BatchReport.Result result, Running r) {
        report.add(result, r != null);
        synchronized (lock) {
            if (r != null) {
                running.remove(r);
            }
            inFlight--;
            lock.notifyAll();
        }
        slots.release();
    }

    private static double millisSince(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1000.0) / 1000.0;
    }

    /** Why a job is killed. */
    private enum Kill {
        /** Its timeout passed: it is reported as timed out. */
        TIMEOUT,
        /** A signal stopped the batch. */
        STOP
    }

    /** A spawned job until it is reported. */
    private final class Running {
        final int index;
        final BatchJob job;
        final Child child;
        final long start;
        volatile ScheduledFuture<?> timeoutTask;
        volatile CompletableFuture<Output> output;
        volatile boolean killedForTimeout;
        private KillScope killScope; // how far the kill reached, once one was sent; guarded by this

        Running(int index, BatchJob job, Child child, long start) {
            this.index = index;
            this.job = job;
            this.child = child;
            this.start = start;
        }

        /**
         * SIGKILL to the job's tree (its cgroup, else its process group); for a timeout with a
         * kill grace, SIGTERM first and SIGKILL after the grace.
         */
        void kill(Kill why) {
            CompletableFuture<Output> out = output;
            if (out != null && out.isDone()) {
                return; // it ended on its own: its result is on its way
            }
            // Marked before the signal: the job's end, reported on another thread, can only
            // follow the signal, so it always sees why the job was killed.
            killedForTimeout |= why == Kill.TIMEOUT;
            // The scope is known only once the signal is sent, and a job that ends on it (a
            // SIGTERM it handles) can be reported at once: its end reads the scope under this
            // lock, so it waits for the assignment instead of seeing none.
            synchronized (this) {
                try {
                    killScope = why == Kill.TIMEOUT && job.killGrace() != null
                            ? child.terminate(Signals.SIGTERM, job.killGrace()) : child.killTree();
                } catch (ErrnoException | IllegalStateException e) {
                    report.warn("cannot kill job " + index + " (pid " + child.pid() + "): " + e.getMessage());
                }
            }
        }

        /** On the library's exit thread: the child has exited and its output has ended. */
        void ended(Output out, Throwable failure) {
            BatchReport.Result result;
            try {
                ScheduledFuture<?> t = timeoutTask;
                if (t != null) {
                    t.cancel(false);
                }
                child.close();
                result = failure == null ? result(out) : BatchReport.Result.error(index, job.argv(),
                        (failure.getCause() != null ? failure.getCause() : failure).getMessage(), millisSince(start));
            } catch (RuntimeException e) { // never leave the batch waiting for this job
                result = BatchReport.Result.error(index, job.argv(), "pidspawn: " + e + "; please report", millisSince(start));
            }
            end(result, this);
        }

        /** With --output, a pty job's terminal, captured, goes to INDEX.stdout (and INDEX.stderr is empty). */
        private void writeTerminal(Output out) {
            try {
                Files.write(outputFile(index, "stdout"), out.stdout());
                Files.write(outputFile(index, "stderr"), new byte[0]);
            } catch (IOException e) {
                report.warn("job " + index + ": cannot write its terminal's output: " + RunCommand.reason(e));
            }
        }

        private BatchReport.Result result(Output out) {
            ExitStatus s = out.status();
            // Killed at the deadline: the job had not ended, even if only its output had not
            // (the leader exited, something it started in its group still held the pipes).
            boolean timedOut = killedForTimeout || out.timedOut();
            boolean inline = options.outputDir() == null;
            KillScope scope;
            synchronized (this) {
                scope = killScope != null ? killScope : out.killedBy();
            }
            if (!inline && job.pty()) {
                writeTerminal(out);
            }
            return new BatchReport.Result(index, job.argv(), s.exited() ? s.code() : null,
                    s.exited() ? null : Signals.name(s.signal()), timedOut, millisSince(start), s.usage().orElse(null),
                    scope == null ? null : RunTree.name(scope),
                    inline ? out.stdoutText() : outputFile(index, "stdout").toString(),
                    inline ? out.stderrText() : outputFile(index, "stderr").toString(), null);
        }
    }
}
