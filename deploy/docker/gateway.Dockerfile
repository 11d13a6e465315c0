# The gateway image (REST API, dashboard, KServe watcher). Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t gpu-sharing/gateway:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Gateway/Gateway.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
USER 10001
ENTRYPOINT ["dotnet", "Gateway.dll"]
