using System.ComponentModel;
using GpuSharing.Grains.Hardware.Processes;
using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// One method per amd-smi command we use. Each builds an argument list, runs it with its timeout, turns any failure
/// into a <see cref="GpuDeviceException"/> and parses the output.
/// </summary>
public sealed partial class AmdSmiClient(IProcessRunner runner, IOptions<AmdSmiOptions> options, ILogger<AmdSmiClient> logger)
{
    // amd-smi asks "Do you accept these terms? [Y/N]" before a memory-mode change or a driver reset.
    private const string Confirmation = "Y\n";

    private readonly AmdSmiOptions _options = options.Value;

    public async Task<AmdSmiVersionInfo> GetVersionAsync(CancellationToken cancellationToken) =>
        AmdSmiVersionParser.Parse(await RunReadAsync(["version"], cancellationToken));

    public async Task<AmdSmiDefaultView> GetDefaultViewAsync(CancellationToken cancellationToken) =>
        AmdSmiDefaultViewParser.Parse(await RunReadAsync([], cancellationToken));

    public async Task<IReadOnlyList<AmdSmiLogicalDevice>> ListAsync(AmdSmiVersionInfo versions, CancellationToken cancellationToken) =>
        AmdSmiListParser.ParseJson(await RunReadAsync(versions.HasEnumeration ? ["list", "-e", "--json"] : ["list", "--json"], cancellationToken));

    public async Task<IReadOnlyList<AmdSmiStaticInfo>> GetStaticAsync(CancellationToken cancellationToken) =>
        AmdSmiStaticParser.ParseJson(await RunReadAsync(["static", "--asic", "--bus", "--vram", "--partition", "--json"], cancellationToken));

    public async Task<IReadOnlyList<AmdSmiMetrics>> GetMetricsAsync(CancellationToken cancellationToken) =>
        AmdSmiMetricParser.ParseJson(await RunReadAsync(["metric", "--usage", "--mem-usage", "--power", "--temperature", "--json"], cancellationToken));

    public async Task<IReadOnlyList<AmdSmiProcess>> GetProcessesAsync(CancellationToken cancellationToken) =>
        AmdSmiProcessParser.ParseJson(await RunReadAsync(["process", "--json"], cancellationToken));

    /// <summary>
    /// The JSON form is one valid document only from ROCm 7.0 (6.3 printed several documents back to back), so
    /// older tools, and any output that does not parse as one document, are read in the text form.
    /// </summary>
    public async Task<AmdSmiPartitionInfo> GetPartitionAsync(AmdSmiVersionInfo versions, CancellationToken cancellationToken)
    {
        if (versions.HasPartitionJson)
        {
            try
            {
                return AmdSmiPartitionParser.ParseJson(await RunReadAsync(["partition", "--json"], cancellationToken));
            }
            catch (GpuDeviceException ex) when (ex.Kind == DeviceErrorKind.Unparsable)
            {
                LogPartitionJsonFallback(logger, ex.Error.Message);
            }
        }

        return AmdSmiPartitionParser.ParseText(await RunReadAsync(["partition"], cancellationToken));
    }

    public async Task<AmdSmiSetResult> SetComputePartitionAsync(string gpuSelector, ComputeMode mode, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["set", "--gpu", gpuSelector, "--compute-partition", mode.ToString()], null, _options.ComputePartitionTimeout, cancellationToken);
        return RequireSuccess(output, $"set --compute-partition {mode}");
    }

    public async Task<AmdSmiSetResult> SetMemoryPartitionAsync(MemoryMode mode, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["set", "--memory-partition", mode.ToString()], Confirmation, _options.MemoryPartitionTimeout, cancellationToken);
        return RequireSuccess(output, $"set --memory-partition {mode}");
    }

    /// <summary>ROCm 7.0–7.11: <c>amd-smi reset -r</c>; 7.12+: <c>modprobe -r amdgpu</c> then <c>modprobe amdgpu</c>.</summary>
    public async Task ReloadDriverAsync(AmdSmiVersionInfo versions, CancellationToken cancellationToken)
    {
        if (!versions.ReloadsWithModprobe)
        {
            await RunAsync(["reset", "--reload-driver"], Confirmation, _options.DriverReloadTimeout, cancellationToken);
            return;
        }

        foreach (var arguments in new[] { new[] { "-r", "amdgpu" }, ["amdgpu"] })
        {
            var result = await StartAsync(new ProcessRequest(_options.ModprobePath, arguments, null, _options.DriverReloadTimeout, _options.Environment), cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new GpuDeviceException(new DeviceError(
                    DeviceErrorKind.DriverReloadFailed,
                    result.ExitCode,
                    $"'{_options.ModprobePath} {string.Join(' ', arguments)}' failed: {result.StandardError.Trim()}"));
            }
        }
    }

    private static AmdSmiSetResult RequireSuccess(string output, string command)
    {
        var result = AmdSmiSetParser.Parse(output);
        if (result.Lines.Count == 0)
        {
            throw AmdSmiJson.Unparsable(command, "no GPU confirmed the change");
        }

        if (result.FatalError is { } fatal)
        {
            var done = result.Lines.Count(l => l.Succeeded);
            throw new GpuDeviceException(new DeviceError(DeviceErrorKind.Failed, null, $"amd-smi stopped after {done} GPU(s): {fatal}"));
        }

        return result;
    }

    private Task<string> RunReadAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(arguments, null, _options.ReadTimeout, cancellationToken);

    private async Task<string> RunAsync(IReadOnlyList<string> arguments, string? input, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new ProcessRequest(_options.Path, arguments, input, timeout, _options.Environment);
        var result = await StartAsync(request, cancellationToken);
        if (AmdSmiErrorClassifier.Classify(result.ExitCode, result.StandardOutput, result.StandardError) is { } error)
        {
            LogCommandFailed(logger, string.Join(' ', arguments), error.Kind, error.Message);
            throw new GpuDeviceException(error);
        }

        return result.StandardOutput;
    }

    private async Task<ProcessResult> StartAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var result = await runner.RunAsync(request, cancellationToken);
            LogCommandRan(logger, request.FileName, string.Join(' ', request.Arguments), result.ExitCode, result.Elapsed.TotalMilliseconds);
            return result;
        }
        catch (ProcessTimeoutException ex)
        {
            throw new GpuDeviceException(new DeviceError(DeviceErrorKind.Timeout, null, ex.Message), ex);
        }
        catch (Win32Exception ex)
        {
            throw new GpuDeviceException(new DeviceError(DeviceErrorKind.ExecutableNotFound, null, $"Cannot start '{request.FileName}': {ex.Message}"), ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Executable} {Arguments} exited with {ExitCode} after {ElapsedMs:0} ms")]
    private static partial void LogCommandRan(ILogger logger, string executable, string arguments, int exitCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "amd-smi {Arguments} failed: {Kind} {Message}")]
    private static partial void LogCommandFailed(ILogger logger, string arguments, DeviceErrorKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "amd-smi partition --json was not one JSON document ({Reason}); reading the text form")]
    private static partial void LogPartitionJsonFallback(ILogger logger, string reason);
}
