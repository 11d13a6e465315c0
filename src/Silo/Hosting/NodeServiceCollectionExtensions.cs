using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Processes;
using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Silo.Health;
using GpuSharing.Silo.Nodes;
using GpuSharing.Silo.Serving;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GpuSharing.Silo.Hosting;

public static class NodeServiceCollectionExtensions
{
    /// <summary>The node side of a silo: the device backend its configuration names and the agent that discovers the GPUs.</summary>
    public static IServiceCollection AddGpuNode(this IServiceCollection services, NodeOptions node)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton<AmdSmiClient>();
        if (node.IsSimulated)
        {
            services.AddSingleton<SimulatedGpuNode>();
            services.AddSingleton<IGpuNodeBackend>(sp => sp.GetRequiredService<SimulatedGpuNode>());
        }
        else
        {
            services.AddSingleton<IGpuNodeBackend, AmdSmiBackend>();
        }

        if (string.Equals(node.Runtime, "simulated", StringComparison.Ordinal))
        {
            services.AddSingleton<IReplicaRuntime, SimulatedReplicaRuntime>();
            services.AddHostedService<ReplicaRuntimeManager>();
        }
        else if (string.Equals(node.Runtime, "vllm", StringComparison.Ordinal))
        {
            services.AddValidatedOptions<VllmOptions>(VllmOptions.SectionName);
            services.AddSingleton<IReplicaRuntime, VllmReplicaRuntime>();
            services.AddHostedService<ReplicaRuntimeManager>();
        }

        services.AddSingleton<NodeAgentStatus>();
        services.AddHostedService<NodeAgent>();
        services.AddHealthChecks().AddCheck<NodeAgentHealthCheck>("node-agent", tags: ["ready"]);
        return services;
    }

    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
