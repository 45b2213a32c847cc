; Inno Setup script for the Windows till. Build the bundle first on Windows:
;   py -m pip install -e .[build]
;   py -m PyInstaller --noconfirm installer\posclient.spec
; then compile this script (iscc installer\posclient.iss) → dist\posclient-setup-<version>.exe
; The till's data (%LOCALAPPDATA%\posclient) and its secrets (Windows Credential Manager) are not
; part of the installation: uninstalling keeps them, reinstalling finds them again.

#define AppName "posclient"
#define AppVersion "0.1.0"
#define AppPublisher "posclient"
#define AppExe "posclient.exe"

[Setup]
AppId={{7B0F3C52-9A0E-4E7C-9C61-3F1D6B2A8E41}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher={#AppPublisher}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\dist
OutputBaseFilename=posclient-setup-{#AppVersion}
SetupIconFile=posclient.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\dist\posclient\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\posclient doctor"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#AppExe}"" admin doctor"; IconFilename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only what the installer put in {app}; the data dir in %LOCALAPPDATA%\posclient is kept
Type: filesandordirs; Name: "{app}\_internal"
