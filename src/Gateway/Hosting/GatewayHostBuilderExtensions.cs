using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Azure.Data.Tables;
using GpuSharing.ClusterSecurity;
using GpuSharing.Gateway.Apis;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Http;
using GpuSharing.Gateway.KServe;
using GpuSharing.Gateway.Security;
using GpuSharing.Gateway.Serving;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Diagnostics;
using GatewayOptions = GpuSharing.Gateway.Configuration.GatewayOptions;

namespace GpuSharing.Gateway.Hosting;

public static class GatewayHostBuilderExtensions
{
    /// <summary>
    /// The gateway's services: the Orleans client (localhost or Azure Table clustering, retrying until the cluster is
    /// up), JSON with enum names, problem details, OpenAPI, bearer-token authentication and the dashboard's client side.
    /// </summary>
    public static WebApplicationBuilder AddGpuSharingGateway(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var gateway = new GatewayOptions();
        configuration.GetSection(GatewayOptions.SectionName).Bind(gateway);
        var validation = new List<ValidationResult>();
        if (!Validator.TryValidateObject(gateway, new ValidationContext(gateway), validation, validateAllProperties: true))
        {
            throw new InvalidOperationException($"Invalid configuration: {string.Join(" ", validation.Select(v => v.ErrorMessage))}");
        }

        var authRequired = !string.IsNullOrEmpty(gateway.BearerToken) || !ListenAddresses.AllLoopback(configuration["urls"]);
        if (authRequired && string.IsNullOrEmpty(gateway.BearerToken))
        {
            throw new InvalidOperationException(
                $"The gateway listens beyond loopback ({configuration["urls"] ?? "default addresses"}) but GpuSharing:Gateway:BearerToken is not set; refusing to expose mutating routes and the dashboard without authentication.");
        }

        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // Deployment enums are written as they are accepted (lower case); hardware modes and states keep their names (SPX, Ready).
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter<Priority>(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter<Precision>(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter<Isolation>(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.Converters.Add(new DeclaredEndpointsJsonConverter());
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, OpenAiProblemWriter>(); // before the default writer: /v1 answers in the OpenAI format
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context => Problems.Normalize(context.ProblemDetails));
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "GPU sharing control plane";
            document.Info.Description = "Partitions AMD Instinct GPUs and shares them between model deployments. Errors are RFC 7807 problem details.";
            return Task.CompletedTask;
        }));
        builder.Services.AddHealthChecks().AddCheck<GatewayReadinessCheck>("cluster", tags: ["ready"]);
        builder.Services.AddRateLimiter(o =>
        {
            // What-if plans are CPU work: a few at a time, a short queue, and 429 with Retry-After beyond it.
            o.AddConcurrencyLimiter(PlanApi.ConcurrencyPolicy, limiter =>
            {
                limiter.PermitLimit = gateway.MaxConcurrentPlans;
                limiter.QueueLimit = gateway.MaxConcurrentPlans;
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "5";
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Type = Problems.TypePrefix + "too-many-plans",
                        Title = "Too many plans at once.",
                        Detail = $"This gateway computes {gateway.MaxConcurrentPlans} plan(s) at a time; retry after the time given.",
                    },
                });
            };
        });
        builder.Services.AddSingleton<ClusterConnectionWatch>();
        builder.Services.AddSingleton<ListenGuard>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ListenGuard>());
        builder.Services.AddKServeWatcher();
        builder.Services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpForwarder();
        builder.Services.AddHttpClient(EndpointRefresher.HealthClient);
        builder.Services.AddSingleton<ServingHttpClient>();
        builder.Services.AddSingleton<ServingRoutes>();
        builder.Services.AddHostedService<EndpointRefresher>();
        builder.Services.AddSingleton<OpenAiProxy>();
        builder.Services.AddSingleton<SloRecorder>();
        builder.Services.AddSingleton<ServingMetrics>();
        builder.AddGpuSharingMetrics(ServingMetrics.MeterName, KServeMetrics.MeterName);
        builder.AddGpuSharingTracing("gpu-sharing-gateway", null, ActivitySources.ApplicationGrainActivitySourceName);
        builder.Services.AddHostedService<SloFlusher>();
        builder.Services.AddSingleton<BypassScraper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BypassScraper>());
        builder.Services
            .AddAuthentication(BearerTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenAuthenticationHandler>(BearerTokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(AuthorizationPolicies.Operator, policy =>
        {
            if (authRequired)
            {
                policy.RequireAuthenticatedUser();
            }
            else
            {
                policy.RequireAssertion(_ => true); // the local default: loopback only, no token configured
            }
        });

        builder.UseOrleansClient(client =>
        {
            client.AddActivityPropagation(); // a request's trace context goes on with its grain calls
            var clusterId = configuration["GpuSharing:Cluster:ClusterId"] ?? "gpu-sharing";
            var serviceId = configuration["GpuSharing:Cluster:ServiceId"] ?? "gpu-sharing";
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            if (string.Equals(configuration["GpuSharing:Clustering"], "azure", StringComparison.Ordinal))
            {
                var connection = configuration.GetConnectionString("AzureStorage")
                    ?? throw new InvalidOperationException("GpuSharing:Clustering is 'azure' but ConnectionStrings:AzureStorage is not set.");
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
            }
            else
            {
                client.UseLocalhostClustering([.. gateway.EffectiveSiloGatewayPorts], serviceId, clusterId);
            }

            client.UseClusterTls(configuration);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = gateway.GrainCallTimeout);
            client.AddGatewayCountChangedHandler(services =>
            {
                var watch = services.GetRequiredService<ClusterConnectionWatch>();
                return (_, e) => watch.OnGatewayCountChanged(e.NumberOfConnectedGateways, e.PreviousNumberOfConnectedGateways);
            });
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
            client.AddDashboard(o => o.HideTrace = true);
        });
        return builder;
    }

    public static WebApplication MapGpuSharingGateway(this WebApplication app)
    {
        var guard = app.Services.GetRequiredService<ListenGuard>();
        app.Use((context, next) =>
        {
            if (guard.Verified)
            {
                return next(context);
            }

            // Kestrel listens before the bound addresses are checked: nothing is served until they have been.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        });
        app.UseExceptionHandler();
        app.Use(async (context, next) =>
        {
            // A request in flight when a connection to the cluster is lost ends at once (503), not at the grain call timeout.
            var watch = context.RequestServices.GetRequiredService<ClusterConnectionWatch>();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watch.Current);
            var aborted = context.RequestAborted;
            context.RequestAborted = linked.Token;
            try
            {
                await next(context);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested && linked.IsCancellationRequested)
            {
                throw new ClusterConnectionLostException();
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && linked.IsCancellationRequested && GatewayExceptionHandler.IsUnavailable(ex))
            {
                throw new ClusterConnectionLostException();
            }
            finally
            {
                context.RequestAborted = aborted;
            }
        });
        app.UseStatusCodePages();
        app.UseWebUi();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapGpuSharingMetrics().ExcludeFromDescription();
        _ = app.Services.GetRequiredService<ServingMetrics>(); // its gauges exist from the first scrape, not the first request
        _ = app.Services.GetRequiredService<KServeMetrics>();
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(AuthorizationPolicies.Operator).ExcludeFromDescription();
        return app;
    }
}
