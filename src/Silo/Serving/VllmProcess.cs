using System.ComponentModel;
using System.Diagnostics;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// One replica's <c>vllm serve</c>, kept running: started with an argument list and the binding's environment (no
/// shell), started again after it exits — after <c>RestartDelay</c>, doubled with each exit that follows a short run,
/// up to <c>MaxRestartDelay</c> — and stopped (its whole process tree) when the replica leaves the node.
/// </summary>
public sealed partial class VllmProcess : IAsyncDisposable
{
    private readonly string _executable;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly VllmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _replica;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _supervision;
    private Process? _current;
    private int _starts;

    public VllmProcess(string replica, string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, VllmOptions options, TimeProvider time, ILogger logger)
    {
        _replica = replica;
        _executable = executable;
        _arguments = arguments;
        _environment = environment;
        _options = options;
        _time = time;
        _logger = logger;
        _supervision = Task.Run(() => SuperviseAsync(_stopping.Token));
    }

    /// <summary>How often the server has been started (the first start included).</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>The running server's process id; null between an exit and the restart.</summary>
    public int? ProcessId => Volatile.Read(ref _current) is { HasExited: false } p ? p.Id : null;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _supervision;
        _stopping.Dispose();
    }

    private async Task SuperviseAsync(CancellationToken stoppingToken)
    {
        var delay = _options.RestartDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                using var process = Start();
                Volatile.Write(ref _current, process);
                Interlocked.Increment(ref _starts);
                LogStarted(_logger, _replica, process.Id, _executable);
                try
                {
                    await process.WaitForExitAsync(stoppingToken);
                    LogExited(_logger, _replica, process.ExitCode, _time.GetElapsedTime(started).TotalSeconds);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    Stop(process);
                    LogStopped(_logger, _replica, process.Id);
                    return;
                }
            }
            catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
            {
                LogCouldNotStart(_logger, ex, _replica, _executable);
            }

            delay = _time.GetElapsedTime(started) >= _options.StableAfter ? _options.RestartDelay : delay;
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRestartDelay.Ticks));
        }
    }

    private Process Start()
    {
        var info = new ProcessStartInfo(_executable) { UseShellExecute = false };
        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"{_executable} did not start.");
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // it exited on its own meanwhile
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started vllm for {Replica}: process {ProcessId} ({Executable})")]
    private static partial void LogStarted(ILogger logger, string replica, int processId, string executable);

    [LoggerMessage(Level = LogLevel.Warning, Message = "vllm for {Replica} exited with code {ExitCode} after {Seconds:0.0} s; it is started again after a backoff")]
    private static partial void LogExited(ILogger logger, string replica, int exitCode, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped vllm for {Replica} (process {ProcessId})")]
    private static partial void LogStopped(ILogger logger, string replica, int processId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not start vllm for {Replica} ({Executable}); trying again after a backoff")]
    private static partial void LogCouldNotStart(ILogger logger, Exception exception, string replica, string executable);
}
