using GpuSharing.Gateway.Apis;
using GpuSharing.Gateway.Hosting;

// The content root is the application's folder, so its appsettings.json applies wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddGpuSharingGateway();

var app = builder.Build();
app.MapGpuSharingGateway();
app.MapGpuApi();
app.MapNodeApi();
app.MapModelApi();
app.MapPlanApi();
app.MapKServeApi();
app.MapSloApi();
app.MapOpenAiApi();
app.Run();
