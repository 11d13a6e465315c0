using k8s;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

public static class KServeServiceCollectionExtensions
{
    /// <summary>
    /// The InferenceService watcher and what it needs. The Kubernetes client is made on first use, so a gateway without
    /// the watcher (the local default) never looks for a cluster.
    /// </summary>
    public static IServiceCollection AddKServeWatcher(this IServiceCollection services)
    {
        services.AddOptions<KServeOptions>().BindConfiguration(KServeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => WatcherIdentity.From(sp.GetRequiredService<IOptions<KServeOptions>>().Value));
        services.AddSingleton<IKubernetes>(sp => new Kubernetes(ClientConfiguration(sp.GetRequiredService<IOptions<KServeOptions>>().Value)));
        services.AddSingleton<InferenceServiceCache>();
        services.AddSingleton<WorkloadCache>();
        services.AddSingleton<ReplicaGatekeeper>();
        services.AddSingleton<ReconcileQueue>();
        services.AddSingleton<KServeWatcherStatus>();
        services.AddSingleton<KServeMetrics>();
        services.AddSingleton<KServeEventRecorder>();
        services.AddSingleton<SharedPartitionClaims>();
        services.AddSingleton<InferenceServiceReconciler>();
        services.AddSingleton<Informer>();
        services.AddHostedService<KServeWatcher>();
        return services;
    }

    private static KubernetesClientConfiguration ClientConfiguration(KServeOptions options) =>
        options.ApiServer is { Length: > 0 } server ? new KubernetesClientConfiguration { Host = server }
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile();
}
