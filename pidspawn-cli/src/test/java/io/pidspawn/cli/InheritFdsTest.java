package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code run --inherit-fds} passes the fds pidspawn's caller gave it, as timeout(1) and env(1)
 * do, and none of the JVM's own (its jars, modules file, random devices), which the JVM opens
 * without close-on-exec. bin/pidspawn lists the caller's fds in {@code pidspawn.cli.callerFds}.
 */
class InheritFdsTest {
    /** The fd numbers {@code ls /proc/self/fd} shows in the child, its own directory fd included. */
    private static Set<Integer> childFds(String callerFds) throws Exception {
        List<String> cli = new ArrayList<>(Cli.command("run", "--inherit-fds", "--", "/bin/ls", "/proc/self/fd"));
        if (callerFds != null) {
            int javaAt = cli.indexOf(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cli.add(javaAt + 1, "-Dpidspawn.cli.callerFds=" + callerFds);
        }
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", "exec 5</etc/hostname 6</etc/hostname; exec \"$@\"", "bash"));
        cmd.addAll(cli);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        Set<Integer> fds = new TreeSet<>();
        Arrays.stream(out.split("\n")).map(String::strip).filter(l -> l.matches("\\d+")).forEach(l -> fds.add(Integer.parseInt(l)));
        return fds;
    }

    @Test
    void onlyTheCallersFdsReachTheChild() throws Exception {
        // The caller (bin/pidspawn's shell) had 0, 1, 2 and 5; 6 was opened for the JVM but not listed.
        assertThat(childFds("0,1,2,5")).containsExactly(0, 1, 2, 3, 5); // 3: ls's own /proc/self/fd
    }

    @Test
    void withoutTheCallersListEveryInheritableFdIsKept() throws Exception {
        // The fallback when Main is started by hand: what the JVM holds without close-on-exec, its own fds too.
        Set<Integer> all = childFds(null);
        assertThat(all).contains(0, 1, 2, 5, 6);
        assertThat(all.size()).as("the JVM's own fds come along: %s", all).isGreaterThan(6);
    }
}
