package io.pidspawn.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import io.pidspawn.testkit.Helper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls Libc makes through syscall(2): every number against this architecture's kernel table,
 * and each call against what it must do, so a wrong number fails here rather than as a strange
 * errno somewhere in a spawn.
 */
class LibcSyscallTest {
    @Test
    void everyNumberMatchesThisArchitecturesTable() throws Exception {
        Map<String, Long> known = switch (Libc.Nr.ARCH) {
            case "x86_64" -> Map.of("READ", 0L, "CLOSE", 3L, "GETPID", 39L, "EPOLL_PWAIT", 281L, "PPOLL", 271L);
            case "aarch64" -> Map.of("READ", 63L, "CLOSE", 57L, "GETPID", 172L, "EPOLL_PWAIT", 22L, "PPOLL", 73L);
            default -> Map.of();
        };
        Assumptions.assumeFalse(known.isEmpty(), "pidspawn supports x86_64 and aarch64, not " + Libc.Nr.ARCH);
        Map<String, Long> numbers = numbers();
        known.forEach((name, nr) -> assertThat(numbers.get(name)).as(name).isEqualTo(nr));

        Path header = Path.of(Libc.Nr.ARCH.equals("x86_64")
                ? "/usr/include/x86_64-linux-gnu/asm/unistd_64.h" : "/usr/include/asm-generic/unistd.h");
        Assumptions.assumeTrue(Files.exists(header), "needs the kernel headers (linux-libc-dev): " + header);
        Map<String, Integer> table = Helper.syscallNumbers(header);
        for (var e : numbers.entrySet()) {
            String name = e.getKey().toLowerCase();
            assertThat(table).as("%s in %s", name, header).containsKey(name);
            assertThat(e.getValue()).as("%s on %s", name, Libc.Nr.ARCH).isEqualTo(table.get(name).longValue());
        }
        assertThat(numbers).hasSizeGreaterThan(25);
    }

    private static Map<String, Long> numbers() throws IllegalAccessException {
        Map<String, Long> out = new HashMap<>();
        for (Field f : Libc.Nr.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                f.setAccessible(true);
                out.put(f.getName(), f.getLong(null));
            }
        }
        return out;
    }

    @Test
    void idsMatchWhatProcSays() throws IOException {
        assertThat(Libc.getpid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(Libc.geteuid()).isEqualTo(Integer.parseInt(Helper.effectiveId("Uid")));
        assertThat(Libc.getegid()).isEqualTo(Integer.parseInt(Helper.effectiveId("Gid")));
        String stat = Files.readString(Path.of("/proc/self/stat"));
        int pgrp = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        assertThat(Libc.getpgid(0)).isEqualTo(pgrp);
        String groups = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Groups:")).findFirst().orElseThrow().substring(7).trim();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment list = a.allocate(ValueLayout.JAVA_INT, 1024);
            int n = Libc.getgroups(1024, list);
            assertThat(n).isGreaterThanOrEqualTo(0);
            int[] got = list.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_INT);
            int[] want = groups.isEmpty() ? new int[0] : Arrays.stream(groups.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            Arrays.sort(got);
            Arrays.sort(want);
            assertThat(got).isEqualTo(want);
        }
        assertThat(Libc.kill(Libc.getpid(), 0)).isZero();
    }

    @Test
    void fdCallsDoWhatTheirNamesSay() {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        assertThat(p).hasSize(2);
        try (Arena a = Arena.ofConfined()) {
            assertThat(Libc.fdFlags(p[0]) & Libc.FD_CLOEXEC).isEqualTo(Libc.FD_CLOEXEC);
            assertThat(Libc.pollOne(p[0], Libc.POLLIN, 0)).isZero();
            long t0 = System.nanoTime();
            assertThat(Libc.pollOne(p[0], Libc.POLLIN, 30)).isZero();
            assertThat(System.nanoTime() - t0).as("ppoll waited for its timeout").isGreaterThan(20_000_000L);
            assertThat(Libc.write(p[1], a.allocateFrom("hello"), 5)).isEqualTo(5);
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            assertThat(Libc.ioctl(p[0], Libc.FIONREAD, n)).isZero();
            assertThat(n.get(ValueLayout.JAVA_INT, 0)).isEqualTo(5);
            assertThat(Libc.pollOne(p[0], Libc.POLLIN, -1) & Libc.POLLIN).isEqualTo(Libc.POLLIN);
            int dup = Libc.dup3(p[0], 900, 0);
            assertThat(dup).isEqualTo(900);
            assertThat(Libc.fdFlags(dup) & Libc.FD_CLOEXEC).isZero();
            MemorySegment buf = a.allocate(16);
            assertThat(Libc.read(dup, buf, 16)).isEqualTo(5);
            assertThat(buf.getString(0).substring(0, 5)).isEqualTo("hello");
            assertThat(Libc.isatty(p[0])).isFalse();
            assertThat(Libc.close(dup)).isZero();
            assertThat(Libc.fdFlags(dup)).isEqualTo(-Errno.EBADF);
            assertThat(Libc.close(dup)).isEqualTo(-Errno.EBADF);
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    @Test
    void filesAndDirectories(@TempDir Path dir) {
        int memfd = Libc.memfdCreate("libc-syscall-test", Libc.MFD_CLOEXEC);
        int proc = Libc.openat(Libc.AT_FDCWD, "/proc", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        assertThat(memfd).isPositive();
        assertThat(proc).isPositive();
        try (Arena a = Arena.ofConfined()) {
            assertThat(Libc.readlink("/proc/self/fd/" + memfd, new int[1])).startsWith("/memfd:libc-syscall-test");
            int[] err = new int[1];
            assertThat(Libc.readlink(dir.resolve("none").toString(), err)).isNull();
            assertThat(err[0]).isEqualTo(Errno.ENOENT);
            assertThat(Libc.write(memfd, a.allocateFrom("0123456789"), 10)).isEqualTo(10);
            assertThat(Libc.lseek(memfd, 3, Libc.SEEK_SET)).isEqualTo(3);
            MemorySegment buf = a.allocate(8);
            assertThat(Libc.read(memfd, buf, 2)).isEqualTo(2);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) '3');
            assertThat(Libc.fstatfsType(proc)).isEqualTo(0x9fa0L); // PROC_SUPER_MAGIC
            MemorySegment stx = a.allocate(256, 8);
            assertThat(Libc.statx(Libc.AT_FDCWD, a.allocateFrom(dir.toString()), 0, 0xfff, stx)).isZero();
            assertThat(stx.get(ValueLayout.JAVA_SHORT, 0x1c) & 0170000).isEqualTo(0040000); // stx_mode: S_IFDIR
            String sub = dir.resolve("sub").toString();
            assertThat(Libc.mkdir(sub, 0700)).isZero();
            assertThat(Files.isDirectory(Path.of(sub))).isTrue();
            assertThat(Libc.mkdir(sub, 0700)).isEqualTo(-Errno.EEXIST);
            assertThat(Libc.rmdir(sub)).isZero();
            assertThat(Files.exists(Path.of(sub))).isFalse();
            assertThat(Libc.openat(Libc.AT_FDCWD, sub, Libc.O_RDONLY, 0)).isEqualTo(-Errno.ENOENT);
        } finally {
            Libc.close(memfd);
            Libc.close(proc);
        }
    }

    @Test
    void limitsMatchProc() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
        long[] rl = Libc.getrlimit(Libc.RLIMIT_NOFILE);
        assertThat(rl[0]).isEqualTo(Long.parseLong(f[0]));
        assertThat(rl[1]).isEqualTo(Long.parseLong(f[1]));
    }

    @Test
    void eventfdWakesEpoll() {
        int efd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        int ep = Libc.epollCreate1(Libc.EPOLL_CLOEXEC);
        assertThat(efd).isPositive();
        assertThat(ep).isPositive();
        try (Arena a = Arena.ofConfined()) {
            assertThat(Libc.fcntl(efd, Libc.F_GETFL, 0) & Libc.O_NONBLOCK).isEqualTo(Libc.O_NONBLOCK);
            assertThat(Libc.epollCtl(ep, Libc.EPOLL_CTL_ADD, efd, Libc.EPOLLIN, 0x1234_5678_9abcL)).isZero();
            MemorySegment events = a.allocate(Libc.EPOLL_EVENT_SIZE * 4, 8);
            assertThat(Libc.epollWait(ep, events, 4, 0)).isZero();
            assertThat(Libc.write(efd, a.allocateFrom(ValueLayout.JAVA_LONG, 1), 8)).isEqualTo(8);
            assertThat(Libc.epollWait(ep, events, 4, 1000)).isEqualTo(1);
            assertThat(Libc.epollEvents(events, 0) & Libc.EPOLLIN).isEqualTo(Libc.EPOLLIN);
            assertThat(Libc.epollData(events, 0)).isEqualTo(0x1234_5678_9abcL);
        } finally {
            Libc.close(efd);
            Libc.close(ep);
        }
    }

    @Test
    void aTerminalIsATerminal() {
        int ptmx = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        Assumptions.assumeTrue(ptmx >= 0, "needs /dev/ptmx: errno " + -ptmx);
        try {
            assertThat(Libc.isatty(ptmx)).isTrue();
        } finally {
            Libc.close(ptmx);
        }
    }

    @Test
    void aHeapSegmentIsRefused() {
        assertThatThrownBy(() -> Libc.write(1, MemorySegment.ofArray(new byte[1]), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
    }
}
