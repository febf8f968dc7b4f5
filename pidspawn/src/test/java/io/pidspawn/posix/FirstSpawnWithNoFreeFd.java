package io.pidspawn.posix;

import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.Spawned;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run in a JVM of its own by {@link PosixSpawnTest}: the first posix_spawn of the JVM is made
 * with no fd free, then again after fds are freed. Prints one line per attempt. With the argument
 * {@code initialised}, PosixSpawn is initialised before the fd table is filled.
 */
public final class FirstSpawnWithNoFreeFd {
    public static void main(String[] args) throws Throwable {
        // Load (without initialising) every class of the library and the tests first: with no fd
        // free, the class loader could not open a class file.
        Path classes = Path.of(PosixSpawn.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(classes)) {
            try (Stream<Path> all = Files.walk(classes)) {
                for (Path p : all.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                    if (!name.endsWith("module-info") && !name.endsWith("package-info")) {
                        Class.forName(name, false, FirstSpawnWithNoFreeFd.class.getClassLoader());
                    }
                }
            }
        }
        MethodHandle setrlimit = Native.call(Native.LIBC, "setrlimit",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        List<Integer> filler = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            long[] saved = Libc.getrlimit(Libc.RLIMIT_NOFILE);
            MemorySegment rl = a.allocate(16, 8);
            rl.set(ValueLayout.JAVA_LONG, 0, 512);
            rl.set(ValueLayout.JAVA_LONG, 8, saved[1]);
            if ((int) setrlimit.invokeExact(Libc.RLIMIT_NOFILE, rl) != 0) {
                throw new IllegalStateException("setrlimit");
            }
            if (args.length > 0 && args[0].equals("initialised")) {
                // Under the limit the table is then filled to, as in a process that never changes it.
                Class.forName(PosixSpawn.class.getName(), true, FirstSpawnWithNoFreeFd.class.getClassLoader());
            }
            int fd;
            while ((fd = Libc.fcntl(0, Libc.F_DUPFD_CLOEXEC, 0)) >= 0) {
                filler.add(fd);
            }
            System.out.println("full: " + (fd == -24));
            System.out.println("first: " + attempt());
            System.out.println("again: " + attempt());
            filler.forEach(Libc::close);
            System.out.println("freed: " + attempt());
        }
    }

    private static String attempt() {
        try {
            Spawned child = PosixSpawn.posix_spawn("/bin/true", null, null, List.of("true"), List.of());
            int code = PidfdSpawn.pidfd_wait(child.pidfd(), 0).code();
            PidfdSpawn.close(child.pidfd());
            return "exit " + code;
        } catch (ErrnoException e) {
            return e.errnoName() + (System.getenv("PS_DEBUG") != null ? " " + e.getMessage() : "");
        } catch (Throwable t) {
            return t.toString();
        }
    }
}
