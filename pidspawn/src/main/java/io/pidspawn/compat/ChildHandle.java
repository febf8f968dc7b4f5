package io.pidspawn.compat;

import io.pidspawn.Signals;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The {@link ProcessHandle} of a {@link PidspawnProcess}. What must name this process and no other
 * goes through the child's pidfd: {@link #isAlive()}, {@link #onExit()}, {@link #destroy()} and
 * {@link #destroyForcibly()} never reach a process that reused the pid. What the JDK reads from
 * /proc by pid ({@link #info()}, {@link #parent()}, {@link #children()}, {@link #descendants()})
 * is read through {@link ProcessHandle#of} while the child runs, and is empty once it has exited.
 */
final class ChildHandle implements ProcessHandle {
    /** What a handle knows of a process that has exited: nothing, as the JDK's. */
    private record NoInfo() implements Info {
        @Override
        public Optional<String> command() {
            return Optional.empty();
        }

        @Override
        public Optional<String> commandLine() {
            return Optional.empty();
        }

        @Override
        public Optional<String[]> arguments() {
            return Optional.empty();
        }

        @Override
        public Optional<Instant> startInstant() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> totalCpuDuration() {
            return Optional.empty();
        }

        @Override
        public Optional<String> user() {
            return Optional.empty();
        }

        @Override
        public String toString() {
            return "[]";
        }
    }

    private final PidspawnProcess process;

    ChildHandle(PidspawnProcess process) {
        this.process = process;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public Optional<ProcessHandle> parent() {
        return byPid().flatMap(ProcessHandle::parent);
    }

    @Override
    public Stream<ProcessHandle> children() {
        return byPid().map(ProcessHandle::children).orElseGet(Stream::empty);
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return byPid().map(ProcessHandle::descendants).orElseGet(Stream::empty);
    }

    @Override
    public Info info() {
        return byPid().map(ProcessHandle::info).orElseGet(NoInfo::new);
    }

    @Override
    public CompletableFuture<ProcessHandle> onExit() {
        return process.onExit().thenApply(p -> this);
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean destroy() {
        return process.signal(Signals.SIGTERM);
    }

    @Override
    public boolean destroyForcibly() {
        return process.signal(Signals.SIGKILL);
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public int compareTo(ProcessHandle other) {
        return Long.compare(pid(), other.pid());
    }

    /** Equal to the handle of the same PidspawnProcess only (there is one per process). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ChildHandle other && other.process == process;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(pid());
    }

    @Override
    public String toString() {
        return String.valueOf(pid());
    }

    /** The JDK's handle for the pid until the child is reaped (the pid is the child's until then); else empty. */
    private Optional<ProcessHandle> byPid() {
        return process.running() ? ProcessHandle.of(pid()) : Optional.empty();
    }
}
