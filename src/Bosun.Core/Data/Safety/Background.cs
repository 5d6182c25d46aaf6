using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bosun.Core.Data.Safety;

/// Backups are background work: they copy, read back and hash on a thread of their own at a lower CPU priority (nice 10
/// on Linux), and pg_dump and pg_restore run at the same priority, so that a server whose agents keep the CPU busy
/// serves them nearly as fast while a backup runs, and the backup takes what the server leaves. On an idle machine it
/// runs at full speed.
internal static class Background
{
    public const int Niceness = 10;

    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken ct)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerThisThread();
            try
            {
                done.SetResult(work());
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                done.SetCanceled(ct);
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "Bosun backup",
        };
        thread.Start();
        return done.Task;
    }

    private static void LowerThisThread()
    {
        if (OperatingSystem.IsLinux())
        {
            // On Linux each thread has its own nice value; .NET's Thread.Priority does not change it.
            Try(() => setpriority(0, gettid(), Niceness));
        }
        else if (OperatingSystem.IsWindows())
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
    }

    public static void Lower(Process process)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Try(() => setpriority(0, process.Id, Niceness));
        }
        else if (OperatingSystem.IsWindows())
        {
            try
            {
                process.PriorityClass = ProcessPriorityClass.BelowNormal;
            }
            catch (InvalidOperationException)
            {
                // It ended already.
            }
        }
    }

    /// A lower priority is a courtesy: where it cannot be had, the work runs as it is.
    private static void Try(Func<int> call)
    {
        try
        {
            call();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
}
