# The silo image. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t gpu-sharing/silo:dev .
# For node silos with real GPUs the runtime stage needs amd-smi: build with
#   --build-arg RUNTIME_BASE=rocm/dev-ubuntu-24.04:7.0   (and the .NET 10 ASP.NET runtime installed on it, below)
# The dev overlay runs simulated GPUs and needs no ROCm.
ARG RUNTIME_BASE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo/Silo.csproj -c Release -o /app --nologo

FROM ${RUNTIME_BASE}
# On a ROCm base image, install the ASP.NET Core runtime (Microsoft's dotnet-install script or packages.microsoft.com).
RUN command -v dotnet >/dev/null || (apt-get update && apt-get install -y --no-install-recommends aspnetcore-runtime-10.0 && rm -rf /var/lib/apt/lists/*)
WORKDIR /app
COPY --from=build /app .
USER 10001
ENTRYPOINT ["dotnet", "Silo.dll"]
