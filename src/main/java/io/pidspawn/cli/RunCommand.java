package io.pidspawn.cli;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.SpawnException;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pidspawn run}: spawn one program through the builder UAPI and exit with its status. */
@Command(name = "run", sortOptions = false,
        description = {"Run PROG with ARGS through a pidfd_spawn builder, passing stdio through, and exit with its status."},
        footer = {"", "Exit status: the program's own; 128+N if signal N killed it; 127 if PROG was not found;",
                "126 if it could not be executed; 125 if pidspawn itself failed (the error is on stderr).",
                "", "Examples:", "  pidspawn run -- ls -l /", "  pidspawn run --cwd /tmp --env LANG=C -- sh -c 'pwd; echo $LANG'",
                "  pidspawn run --clear-env --env PATH=/usr/bin -- env"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory of the program.")
    Path cwd;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Set an environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--clear-env", description = "Start from an empty environment instead of pidspawn's own.")
    boolean clearEnv;

    @Parameters(arity = "1..*", paramLabel = "PROG ARGS", description = "The program and its arguments.")
    List<String> command;

    @Override
    public Integer call() {
        String prog = command.get(0);
        int builder = -1;
        try {
            builder = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
            String executable = resolve(prog);
            PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_EXECUTABLE, executable, 0);
            PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_BINARY, PidfdSpawn.KEY_ARGV, nulList(command), 0);
            if (clearEnv) {
                PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_FLAG, PidfdSpawn.KEY_ENV_CLEAR, (String) null, 0);
            }
            for (String e : env) {
                PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_ENV, e, 0);
            }
            if (cwd != null) {
                PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_CWD,
                        cwd.toAbsolutePath().normalize().toString(), 0);
            }
            SignalForwarder forwarder = new SignalForwarder();
            Spawned child = PidfdSpawn.pidfd_spawn_run(builder, RunArgs.none());
            PidfdSpawn.close(builder);
            builder = -1;
            forwarder.childStarted(child.pidfd());
            ExitStatus status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
            forwarder.childReaped();
            PidfdSpawn.close(child.pidfd());
            return status.shellCode();
        } catch (ErrnoException e) {
            System.err.println("pidspawn: " + e.getMessage());
            return exitCodeFor(e);
        } finally {
            if (builder >= 0) {
                try {
                    PidfdSpawn.close(builder);
                } catch (ErrnoException ignored) {
                    // exiting anyway
                }
            }
        }
    }

    /** coreutils env/timeout conventions: 127 not found, 126 cannot execute, 125 our own failure. */
    static int exitCodeFor(ErrnoException e) {
        boolean aboutExecutable = !(e instanceof SpawnException se) || se.step() == io.pidspawn.SpawnStep.EXEC;
        if (e instanceof SpawnException se && se.step() != io.pidspawn.SpawnStep.EXEC) {
            aboutExecutable = false;
        } else if (!(e instanceof SpawnException)) {
            aboutExecutable = e.getMessage().startsWith("pidfd_config " + PidfdSpawn.KEY_EXECUTABLE);
        }
        if (!aboutExecutable) {
            return 125;
        }
        return switch (e.errno()) {
            case Errno.ENOENT, Errno.ENOTDIR, Errno.ELOOP, Errno.ENAMETOOLONG -> 127;
            case Errno.EACCES, Errno.ENOEXEC, Errno.EPERM, Errno.EISDIR, Errno.ETXTBSY -> 126;
            default -> 125;
        };
    }

    /** PROG with a slash is a path; without one it is looked up in PATH, as a shell does. */
    private static String resolve(String prog) throws ErrnoException {
        if (prog.contains("/")) {
            return Path.of(prog).toAbsolutePath().normalize().toString();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        boolean denied = false;
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, prog).toAbsolutePath();
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
                denied = true;
            }
        }
        throw new ErrnoException("pidfd_config " + PidfdSpawn.KEY_EXECUTABLE, denied ? Errno.EACCES : Errno.ENOENT,
                prog + ": not found in PATH");
    }

    private static byte[] nulList(List<String> items) {
        StringBuilder b = new StringBuilder();
        for (String s : items) {
            b.append(s).append('\0');
        }
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
