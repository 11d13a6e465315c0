using System.Diagnostics;
using System.Text;

namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>
/// Starts the executable directly (<see cref="ProcessStartInfo.UseShellExecute"/> false, arguments as a list, so
/// nothing is ever interpreted by a shell), feeds stdin, captures stdout and stderr, and kills the whole process
/// tree when the timeout elapses or the caller cancels. Each run is a span (<see cref="ProcessTracing"/>).
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    public async Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in request.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in request.Environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var activity = ProcessTracing.Start(request);
        var stopwatch = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start '{request.FileName}'.");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            ProcessTracing.Failed(activity, ex.GetType().FullName!, ex.Message);
            throw;
        }

        using var started = process;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await WriteInputAsync(process, request.StandardInput, timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            ProcessTracing.Exited(activity, process.Id, process.ExitCode);
            return new ProcessResult(process.ExitCode, await stdout, await stderr, stopwatch.Elapsed);
        }
        catch (OperationCanceledException ex)
        {
            Kill(process);
            var partial = await CollectAsync(stdout, stderr);
            if (cancellationToken.IsCancellationRequested)
            {
                ProcessTracing.Failed(activity, "cancelled", "cancelled and killed");
                throw new OperationCanceledException($"'{request}' was cancelled and killed.", ex, cancellationToken);
            }

            ProcessTracing.Failed(activity, "timeout", $"no exit within {request.Timeout.TotalSeconds:0.#} s; killed");
            throw new ProcessTimeoutException(request, partial);
        }
    }

    private static async Task WriteInputAsync(Process process, string? input, CancellationToken cancellationToken)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
                await process.StandardInput.FlushAsync(cancellationToken);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process exited or closed its stdin without reading our input; its exit code and output tell the rest.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill.
        }
    }

    private static async Task<string> CollectAsync(Task<string> stdout, Task<string> stderr)
    {
        try
        {
            var completed = await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(5));
            return string.Join('\n', completed);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or ObjectDisposedException)
        {
            return string.Empty;
        }
    }
}
