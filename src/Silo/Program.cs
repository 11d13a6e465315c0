using GpuSharing.Silo.Hosting;

// The content root is the application's folder, so its appsettings.json applies wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddGpuSharingSilo();

var app = builder.Build();
app.MapSiloEndpoints();
app.Run();
