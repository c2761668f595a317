<#
.SYNOPSIS
  Collects what `machinekey iis --bundle DIR` reads from an IIS server into one folder.
.DESCRIPTION
  Run as an administrator on the server. The folder layout is the contract documented in
  the crate (machinekey::iis::bundle). The registry exports hold the auto-generated keys:
  treat the folder as a secret. Nothing here changes the server.
.EXAMPLE
  .\collect-iis.ps1 -Out C:\temp\web1-bundle
#>
param([Parameter(Mandatory)] [string] $Out)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $Out, "$Out\acl", "$Out\registry", "$Out\files" | Out-Null

function Copy-ServerFile([string] $Path) {
  $full = [Environment]::ExpandEnvironmentVariables($Path)
  if ($full -notmatch '^[A-Za-z]:\\' -or -not (Test-Path -LiteralPath $full -PathType Leaf)) { return }
  $target = Join-Path "$Out\files" ($full.Substring(0, 1) + $full.Substring(2))   # C:\x -> files\C\x
  New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
  Copy-Item -LiteralPath $full -Destination $target -Force
}

# bundle.txt: the server's name, IIS version, and the environment physical paths use.
$inetstp = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\InetStp' -ErrorAction SilentlyContinue
@("name=$env:COMPUTERNAME",
  "iis-version=$($inetstp.MajorVersion).$($inetstp.MinorVersion)",
  "os-bits=$(if ([Environment]::Is64BitOperatingSystem) { 64 } else { 32 })",
  "SystemDrive=$env:SystemDrive", "windir=$env:windir", "SystemRoot=$env:SystemRoot",
  "ProgramFiles=$env:ProgramFiles") | Set-Content "$Out\bundle.txt" -Encoding UTF8

# The IIS configuration (and its configSource files), or the IIS 6 metabase.
$config = "$env:windir\System32\inetsrv\config"
if (Test-Path "$config\applicationHost.config") {
  Copy-Item "$config\*.config" $Out
  $xml = [xml](Get-Content "$config\applicationHost.config" -Raw)
  $sites = $xml.configuration.'system.applicationHost'.sites.site
  foreach ($vdir in $sites.application.virtualDirectory) { Copy-ServerFile "$($vdir.physicalPath)\web.config" }
  $pools = $xml.configuration.'system.applicationHost'.applicationPools.add
  $users = $pools | ForEach-Object { $_.processModel.userName } | Where-Object { $_ }
} else {
  Copy-Item "$env:windir\System32\inetsrv\MetaBase.xml" $Out
  $xml = [xml](Get-Content "$Out\MetaBase.xml" -Raw)
  foreach ($vdir in $xml.configuration.MBProperty.IIsWebVirtualDir) { Copy-ServerFile "$($vdir.Path)\web.config" }
  $users = $xml.configuration.MBProperty.IIsApplicationPool | ForEach-Object { $_.WAMUserName } | Where-Object { $_ }
}

# Each framework's machine.config and root web.config, both bitnesses.
foreach ($fw in 'Framework', 'Framework64') {
  foreach ($v in 'v2.0.50727', 'v4.0.30319') {
    foreach ($f in 'machine.config', 'web.config') { Copy-ServerFile "$env:windir\Microsoft.NET\$fw\$v\Config\$f" }
  }
}

# The SIDs of the pools' specific users (a domain SID cannot be computed elsewhere).
$users | Sort-Object -Unique | ForEach-Object {
  try { "$_=" + (New-Object Security.Principal.NTAccount($_)).Translate([Security.Principal.SecurityIdentifier]).Value }
  catch { "# $_ : SID not resolved" }
} | Set-Content "$Out\accounts.txt" -Encoding UTF8

# The key stores: ACLs of AutoGenKeys and its <SID> subkeys, and registry exports.
foreach ($view in @(@{ Bits = 64; Root = 'SOFTWARE' }, @{ Bits = 32; Root = 'SOFTWARE\WOW6432Node' })) {
  foreach ($ver in '2.0.50727.0', '4.0.30319.0') {
    $key = "HKLM:\$($view.Root)\Microsoft\ASP.NET\$ver\AutoGenKeys"
    if (-not (Test-Path $key)) { continue }
    (Get-Acl $key).Sddl | Set-Content "$Out\acl\AutoGenKeys-$ver-$($view.Bits).sddl" -Encoding ASCII
    Get-ChildItem $key | ForEach-Object {
      (Get-Acl $_.PSPath).Sddl | Set-Content "$Out\acl\AutoGenKeys-$ver-$($view.Bits)-$($_.PSChildName).sddl" -Encoding ASCII
    }
  }
  $reg = "HKLM\$($view.Root)\Microsoft\ASP.NET"
  if (Test-Path "HKLM:\$($view.Root)\Microsoft\ASP.NET") { reg export $reg "$Out\registry\aspnet-$($view.Bits).reg" /y | Out-Null }
}
Get-ChildItem Registry::HKEY_USERS | Where-Object { Test-Path "Registry::$($_.Name)\Software\Microsoft\ASP.NET" } | ForEach-Object {
  reg export "$($_.Name)\Software\Microsoft\ASP.NET" "$Out\registry\user-$($_.PSChildName).reg" /y | Out-Null
}
Write-Host "Bundle written to $Out. It holds key material: keep it secret. Read it with: machinekey iis --bundle $Out"
