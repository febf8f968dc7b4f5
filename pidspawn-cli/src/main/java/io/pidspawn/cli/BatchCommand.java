package io.pidspawn.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pidspawn batch}: run many jobs, given as JSON lines, N at a time, and report each as a
 * JSON line. The jobs share one compiled template per executable and the library's one reaper
 * thread; see {@link Batch} for the threads and the signals.
 */
@Command(name = "batch", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Run the jobs in FILE (or stdin), one JSON object a line, N at a time; print",
                "a JSON line for each job as it ends, then a summary line.",
                "",
                "A job:    {\"argv\": [PROG, ARG...], \"cwd\": DIR, \"env\": {NAME: VALUE},",
                "           \"stdin\": TEXT, \"timeout\": DURATION, \"kill_grace\": DURATION,",
                "           \"memory_max\": SIZE, \"pids_max\": N, \"cpu_max\": CPUS,",
                "           \"ro\": [PATH...], \"rw\": [PATH...], \"exec\": [PATH...], \"net\": NET,",
                "           \"scope\": SCOPES, \"deny_syscall\": [NAME...], \"sandbox_best_effort\": BOOL,",
                "           \"pty\": BOOL, \"die_with_parent\": BOOL}",
                "  Only argv is required. PROG without a slash is looked up in PATH (the job's",
                "  own, if its env sets one). env is set on top of pidspawn's environment.",
                "  stdin is fed to the job, which reads /dev/null without it. Every other field",
                "  is the option of the same name (below, and as pidspawn run takes it) for this",
                "  job, and replaces the option's value; 0 or null timeout is none. With pty true,",
                "  the job runs on a pseudo-terminal of its own: stdin is typed into it, then",
                "  Ctrl-D, and its stdout is what the terminal showed (stderr and the typed echo",
                "  included), its stderr empty. Blank lines are skipped; a line with a bad field",
                "  is reported as an error naming it.",
                "A result: {\"index\", \"argv\", \"exit\", \"signal\", \"timed_out\", \"duration_ms\",",
                "           \"cpu_user_ms\", \"cpu_sys_ms\", \"memory_peak_bytes\", \"oom_killed\",",
                "           \"kill_scope\", \"stdout\", \"stderr\", \"error\"}",
                "  index counts the jobs (non-blank lines) from 0. exit is null when a signal",
                "  ended the job; exit and signal are null when it could not run (a malformed",
                "  line, a program not found) and error says why. cpu_user_ms and cpu_sys_ms",
                "  are its CPU time (its waited-for children's included); memory_peak_bytes, with",
                "  a limit only, its cgroup's peak. kill_scope is how far pidspawn's kill reached",
                "  (cgroup, process-group or child), null if it killed nothing. stdout and stderr",
                "  hold what the job wrote, or with --output the names of the files it went to.",
                "The summary: {\"summary\": {\"total\", \"ok\", \"failed\", \"timed_out\", \"errors\",",
                "           \"duration_ms\", \"interrupted\"}}",
                "  interrupted is there, true, only when a signal or a reader gone stopped the batch.",
                ""},
        footer = {"",
                "Each job leads a process group of its own, and a job with a timeout or a limit",
                "gets a cgroup of its own where pidspawn can create one: a job that times out is",
                "killed with its whole tree (SIGKILL; with a kill grace SIGTERM, then SIGKILL once",
                "it has passed), through the cgroup if it has one (setsid daemons included), else",
                "its group. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the batch: no more jobs",
                "start, the running ones are killed with their trees and reported, then the",
                "summary is printed. A reader of the results that goes",
                "away (as `| head` does) stops it the same way, as SIGPIPE would. When stderr",
                "is a terminal, a progress line is redrawn on it.",
                "",
                "Exit status: 0 if every job exited 0; 1 if any failed, timed out or could not",
                "run; 125 if pidspawn itself failed (bad options, unreadable input); 128+N if",
                "signal N stopped the batch (130 for Ctrl-C, 141 for a reader gone). Input",
                "that cannot be read (missing, a directory, a read error) is one error line;",
                "a summary follows only when some of its jobs were read and reported.",
                "",
                "Examples:",
                "  pidspawn batch -j 16 --timeout 30s jobs.jsonl > results.jsonl",
                "  echo '{\"argv\": [\"make\", \"-C\", \"lib\"], \"timeout\": \"5m\"}' | pidspawn batch",
                "  find . -name '*.c' | jq -Rc '{argv: [\"cc\", \"-c\", .]}' | pidspawn batch -j 8",
                "  pidspawn batch --output logs jobs.jsonl | jq -c 'select(.argv and .exit != 0)'",
                "  pidspawn batch jobs.jsonl | jq -r 'select(.summary) | .summary.failed'"})
final class BatchCommand implements Callable<Integer> {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "How many jobs run at once (default: the number of cores, ${DEFAULT-VALUE}).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Kill a job's process group after DURATION (e.g. 10s, 500ms, 2m) unless the job sets its own.")
    String timeout;

    @Option(names = "--kill-grace", paramLabel = "DURATION", description = {"At a job's timeout, send SIGTERM to its tree and SIGKILL",
            "DURATION later (default: SIGKILL at once), unless the job sets kill_grace."})
    String killGrace;

    @Option(names = "--memory-max", paramLabel = "SIZE", description = "Limit each job's tree to SIZE bytes of memory (such as 512M), in a cgroup of its own.")
    String memoryMax;

    @Option(names = "--pids-max", paramLabel = "N", description = "Let each job's cgroup hold at most N tasks.")
    String pidsMax;

    @Option(names = "--cpu-max", paramLabel = "CPUS", description = "Let each job's cgroup use at most CPUS CPUs' time (such as 0.5).")
    String cpuMax;

    @picocli.CommandLine.Mixin
    SandboxOptions sandbox = new SandboxOptions();

    @Option(names = "--die-with-parent", description = {"Kill every job's tree when pidspawn ends, even by SIGKILL",
            "(as run --die-with-parent; a job's die_with_parent field asks it for that job alone)."})
    boolean dieWithParent;

    @Option(names = "--output", paramLabel = "DIR", description = {"Write the stdout and stderr of job INDEX to", "DIR/INDEX.stdout and DIR/INDEX.stderr (DIR is made if missing)."})
    Path output;

    @Option(names = "--inline", description = "Put the captured stdout and stderr in the result lines (the default).")
    boolean inline;

    @Parameters(arity = "0..1", paramLabel = "FILE", defaultValue = "-", description = "The jobs, one JSON object a line; - (the default) reads stdin.")
    String file;

    @Override
    public Integer call() throws InterruptedException {
        Batch.Options options;
        BufferedReader input;
        try {
            options = options();
            input = open(file);
        } catch (IllegalArgumentException e) {
            System.err.println("pidspawn: " + e.getMessage());
            return 125;
        }
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        BatchReport report = new BatchReport(out, Progress.onTerminal());
        if (report.showsProgress() && !file.equals("-")) {
            countJobs(Path.of(file), report);
        }
        return new Batch(options, report).run(input, file.equals("-") ? "stdin" : file);
    }

    /** Counts a file's jobs ahead, for the progress bar; a file that cannot be read now fails later. */
    private static void countJobs(Path file, BatchReport report) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            report.expect((int) r.lines().filter(l -> !l.isBlank()).count());
        } catch (IOException | UncheckedIOException e) {
            // no bar, then: the batch reports the read error itself
        }
    }

    private Batch.Options options() {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs " + jobs + ": at least one job must run at a time");
        }
        if (inline && output != null) {
            throw new IllegalArgumentException("--inline and --output " + output + " exclude each other");
        }
        Duration limit = timeout == null ? null : Durations.parse("--timeout", timeout);
        if (output != null) {
            try {
                Files.createDirectories(output);
            } catch (IOException e) {
                throw new IllegalArgumentException("--output " + output + ": cannot create the directory: " + describe(e));
            }
        }
        Duration grace = killGrace == null ? null : Durations.parse("--kill-grace", killGrace);
        BatchJob.Limits limits = new BatchJob.Limits(BatchJob.memoryMax(memoryMax, "--memory-max"),
                BatchJob.pidsMax(pidsMax, "--pids-max"), BatchJob.cpuMax(cpuMax, "--cpu-max"));
        sandbox.sandbox(); // refuses bad options now, before any job
        return new Batch.Options(jobs, new BatchJob.Defaults(limit == null || limit.isZero() ? null : limit, grace, limits, sandbox,
                dieWithParent),
                output);
    }

    private static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file or directory: " + x.getFile();
            case AccessDeniedException x -> "permission denied: " + x.getFile();
            case FileAlreadyExistsException x -> "a file is in the way: " + x.getFile();
            default -> e.getMessage();
        };
    }

    private static BufferedReader open(String file) {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(file + ": " + CANNOT_READ + "is a directory");
        }
        try {
            // A reader that replaces malformed UTF-8, as for stdin: a bad line fails alone, as JSON.
            return new BufferedReader(new InputStreamReader(Files.newInputStream(Path.of(file)), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + cannotRead(e));
        }
    }

    private static final String CANNOT_READ = "cannot read the jobs: ";

    /**
     * Why the jobs could not be read, in one form whether opening or reading failed:
     * {@code cannot read the jobs: no such file or directory}.
     */
    static String cannotRead(IOException e) {
        String reason = switch (e) {
            case NoSuchFileException _ -> "no such file or directory";
            case AccessDeniedException _ -> "permission denied";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage();
        };
        return CANNOT_READ + (reason.isEmpty() ? reason : Character.toLowerCase(reason.charAt(0)) + reason.substring(1));
    }
}
