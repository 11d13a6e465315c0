using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace GpuSharing.Gateway.Serving;

/// <summary>The one connection pool the gateway proxies through: no cookies, redirects, decompression or proxy — bytes pass as they come.</summary>
public sealed class ServingHttpClient : IDisposable
{
    public HttpMessageInvoker Invoker { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    public void Dispose() => Invoker.Dispose();
}
