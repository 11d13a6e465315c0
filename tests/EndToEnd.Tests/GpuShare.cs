using System.Diagnostics;
using System.Text;

namespace GpuSharing.EndToEnd.Tests;

/// <summary>
/// The built <c>gpushare</c> as a process: its arguments, stdin, the environment it reads (GPUSHARE_SERVER set to the
/// local system, no config file), its exit code, stdout and stderr — and when each piece of stdout arrived.
/// </summary>
public sealed class GpuShare(Uri server)
{
    public static string AssemblyPath
    {
        get
        {
            var path = Path.Combine(Fixtures.RepositoryRoot, "src", "Cli", "bin", RunScript.BuildConfiguration, "net10.0", "gpushare.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build src/Cli first: {path} is missing.");
        }
    }

    public async Task<GpuShareResult> RunAsync(string[] arguments, string? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GPUSHARE_SERVER"] = server.ToString();
        start.Environment["GPUSHARE_CONFIG"] = null;
        start.Environment["GPUSHARE_TOKEN"] = null;
        start.Environment["XDG_CONFIG_HOME"] = Path.GetTempPath(); // no developer's config file
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin ?? string.Empty);
        process.StandardInput.Close();

        // stdout in the pieces it arrives in, each with its time: streaming is visible as pieces spread over time.
        var pieces = new List<(TimeSpan At, string Text)>();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[256];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer, cancellationToken)) > 0)
            {
                pieces.Add((clock.Elapsed, new string(buffer, 0, read)));
            }
        }, cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);
        await reading;
        return new GpuShareResult(process.ExitCode, string.Concat(pieces.Select(p => p.Text)), await error, pieces, clock.Elapsed);
    }

    public Task<GpuShareResult> RunAsync(params string[] arguments) => RunAsync(arguments, null, null);
}
