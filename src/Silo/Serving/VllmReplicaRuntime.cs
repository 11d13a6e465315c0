using System.Net;
using System.Net.Sockets;
using GpuSharing.Grains.Interfaces.Serving;
using Microsoft.Extensions.Options;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// Serves each replica with a <c>vllm serve</c> child process (<see cref="VllmProcess"/>) on a port of its own from
/// <c>GpuSharing:Node:Vllm</c>'s range. The endpoint is reported at once; the gateway routes to it only once its
/// <c>/health</c> answers, which vLLM does when the model is loaded.
/// </summary>
public sealed class VllmReplicaRuntime(IOptions<VllmOptions> options, TimeProvider time, ILogger<VllmProcess> logger) : IReplicaRuntime
{
    private readonly HashSet<int> _ports = [];
    private readonly Lock _gate = new();

    public string Kind => EndpointSources.Vllm;

    public Task<RunningReplica> StartAsync(ReplicaLaunch launch, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var binding = launch.Binding ?? throw new InvalidOperationException($"{launch.Deployment} replica {launch.Replica} has no binding to run vllm with.");
        var port = TakePort(settings);
        var arguments = VllmCommand.Arguments(binding, launch.Model.ServedModel, settings.Host, port);
        var process = new VllmProcess($"{launch.Deployment}#{launch.Replica}", settings.Path, arguments, binding.Environment, settings, time, logger);
        var url = new UriBuilder(Uri.UriSchemeHttp, settings.AdvertisedHost ?? settings.Host, port).Uri;
        return Task.FromResult(new RunningReplica(launch, url, async () =>
        {
            await process.DisposeAsync();
            lock (_gate)
            {
                _ports.Remove(port);
            }
        }));
    }

    /// <summary>The lowest port of the range that no replica of this runtime holds and nothing else listens on.</summary>
    private int TakePort(VllmOptions settings)
    {
        lock (_gate)
        {
            for (var port = settings.FirstPort; port <= settings.LastPort; port++)
            {
                if (!_ports.Contains(port) && Free(port))
                {
                    _ports.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free port in {settings.FirstPort}–{settings.LastPort} for another vllm server (GpuSharing:Node:Vllm:FirstPort, LastPort).");
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
