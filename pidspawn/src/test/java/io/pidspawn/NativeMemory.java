package io.pidspawn;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * Native memory as the JVM's own Native Memory Tracking counts it (the tests run with
 * -XX:NativeMemoryTracking=summary). FFM arenas allocate in NMT's "Other" category.
 */
public final class NativeMemory {
    private NativeMemory() {}

    /** Committed KiB in an NMT category such as "Other", or -1 when NMT is off. */
    public static long committedKib(String category) {
        try {
            String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = Pattern.compile("-\\s+" + Pattern.quote(category) + " \\(reserved=\\d+KB, committed=(\\d+)KB")
                    .matcher(summary);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
