using System.Diagnostics;
using System.Net.Sockets;

namespace GpuSharing.TestSupport;

/// <summary>
/// Azurite for the tests: the one named by <c>GPU_SHARING_AZURITE</c> (a connection string), or a private instance
/// started from <c>tools/azurite</c> (installed by <c>npm ci</c>, which the test script runs) on free ports — in memory,
/// or in a directory when it must outlive a kill (<see cref="StartPersistentAsync"/>, for storage-outage tests).
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly (int Blob, int Queue, int Table) _ports;
    private readonly string? _location;
    private Process? _process;

    private AzuriteServer(string connectionString, Process? process, (int, int, int) ports = default, string? location = null)
    {
        ConnectionString = connectionString;
        _process = process;
        _ports = ports;
        _location = location;
    }

    public string ConnectionString { get; }

    /// <summary>The port of the Table service (0 for an instance that is not ours).</summary>
    public int TablePort => _ports.Table;

    /// <summary>Whether this instance is ours to stop and start (not one named by <c>GPU_SHARING_AZURITE</c>).</summary>
    public bool IsPrivate => _ports != default;

    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("GPU_SHARING_AZURITE") is { Length: > 0 } external)
        {
            return new AzuriteServer(external, null);
        }

        return await StartPrivateAsync(null, cancellationToken);
    }

    /// <summary>A private instance keeping its data in <paramref name="location"/>, so that <see cref="KillAsync"/> and <see cref="RestartAsync"/> lose nothing that was written.</summary>
    public static Task<AzuriteServer> StartPersistentAsync(string location, CancellationToken cancellationToken) =>
        StartPrivateAsync(location, cancellationToken);

    /// <summary>SIGKILL: storage vanishes mid-request.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Starts it again on the same ports (and, when persistent, the same data).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await KillAsync();
        _process = Launch(_ports, _location);
        await WaitForPortAsync(_ports.Blob, _process, cancellationToken);
        await WaitForPortAsync(_ports.Table, _process, cancellationToken);
    }

    /// <summary>SIGSTOP / SIGCONT: storage that accepts connections and never answers (a hung disk, a paused VM).</summary>
    public Task FreezeAsync(bool frozen) => SignalAsync(frozen ? "-STOP" : "-CONT");

    private async Task SignalAsync(string signal)
    {
        if (_process is { HasExited: false } process)
        {
            var start = new ProcessStartInfo("kill") { UseShellExecute = false };
            start.ArgumentList.Add(signal);
            start.ArgumentList.Add(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var kill = Process.Start(start) ?? throw new InvalidOperationException("Could not run kill.");
            await kill.WaitForExitAsync();
        }
    }

    private static async Task<AzuriteServer> StartPrivateAsync(string? location, CancellationToken cancellationToken)
    {
        // A port handed out free can be taken by another process before Azurite binds it (the test projects run side by
        // side): an Azurite that does not open its ports is stopped and started again on fresh ones, once.
        (int Blob, int Queue, int Table) ports = default;
        Process? process = null;
        for (var attempt = 1; process is null; attempt++)
        {
            ports = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
            var started = Launch(ports, location);
            try
            {
                await WaitForPortAsync(ports.Blob, started, cancellationToken);
                await WaitForPortAsync(ports.Table, started, cancellationToken);
                process = started;
            }
            catch (Exception ex) when (attempt == 1 && ex is TimeoutException or InvalidOperationException)
            {
                started.Kill(entireProcessTree: true);
                started.Dispose();
            }
        }

        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports.Queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{ports.Table}/devstoreaccount1;";
        return new AzuriteServer(connection, process, ports, location);
    }

    private static Process Launch((int Blob, int Queue, int Table) ports, string? location)
    {
        var azurite = Path.Combine(Fixtures.RepositoryRoot, "tools", "azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azurite))
        {
            throw new FileNotFoundException($"Azurite is not installed: run 'npm ci' in tools/azurite (./test.sh does). Missing {azurite}.");
        }

        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     azurite, "--blobHost", "127.0.0.1", "--blobPort", $"{ports.Blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{ports.Queue}",
                     "--tableHost", "127.0.0.1", "--tablePort", $"{ports.Table}", "--skipApiVersionCheck", "--loose", "--silent",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        await FreezeAsync(false);
        await KillAsync();
        _process?.Dispose();
    }

    private static async Task WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new TimeoutException($"Azurite did not open port {port} within 45 s.");
    }
}
