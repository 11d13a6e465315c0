using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace GpuSharing.Gateway.Hosting;

/// <summary>
/// The web page: <c>/</c> answers <c>WebUi/index.html</c>, <c>/ui/*</c> its scripts and styles, copied beside the
/// gateway's assembly at build time (no CDN, nothing fetched at run time). Open like the API's reads; what it changes
/// or asks of models goes with the token the user enters, checked by the API as for any caller.
/// </summary>
public static class WebUiEndpoints
{
    public const string AssetsPath = "/ui";

    // Scripts only from here, no inline script, no framing: the page shows cluster data and must not be repurposed.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static WebApplication UseWebUi(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "WebUi");
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            RequestPath = AssetsPath,
            ContentTypeProvider = types,
            OnPrepareResponse = context => Secure(context.Context.Response),
        });
        var index = Path.Combine(root, "index.html");
        app.MapGet("/", (HttpContext context) =>
        {
            Secure(context.Response);
            return Results.File(index, "text/html; charset=utf-8");
        }).ExcludeFromDescription();
        return app;
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
