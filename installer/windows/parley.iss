; Inno Setup 6 script: installs the PyInstaller one-folder bundle (dist\parley) for the current
; user or all users, with a Start-menu entry and an uninstaller. Build on Windows:
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -r requirements.txt -r installer\requirements-build.txt
;   .venv\Scripts\parley models install asr-base asr-tiny-en llm-default embed-minilm
;   .venv\Scripts\python installer\stage_models.py --out build\models asr-base asr-tiny-en llm-default embed-minilm
;   set PARLEY_BUNDLE_MODELS=%CD%\build\models && .venv\Scripts\pyinstaller --noconfirm installer\parley.spec
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\parley.iss

#define AppName "Parley"
#define AppVersion GetEnv("PARLEY_VERSION")
#if AppVersion == ""
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E3B0A-5D7E-4D43-9E0F-3A1B7C2D9F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Parley
DefaultDirName={autopf}\Parley
DefaultGroupName=Parley
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\build\windows
OutputBaseFilename=ParleySetup-{#AppVersion}
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=parley.ico
UninstallDisplayIcon={app}\parley.exe
WizardStyle=modern

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\..\dist\parley\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Parley"; Filename: "{app}\parley.exe"
Name: "{group}\Uninstall Parley"; Filename: "{uninstallexe}"

[Messages]
en.FinishedLabel=Parley is installed.%n%nWindows asks once for microphone access: allow it in Settings > Privacy & security > Microphone ("Let desktop apps access your microphone"). The customer's voice is captured with WASAPI loopback and needs no driver.
zh.FinishedLabel=Parley 已安装。%n%n首次使用时 Windows 会请求麦克风权限：请在“设置 > 隐私和安全性 > 麦克风”中允许桌面应用访问麦克风。客户的声音通过 WASAPI 回环采集，无需安装驱动。

[Run]
; The OS closes the network: an outbound block rule for parley.exe in Windows Firewall. Rules
; need an administrator, so a per-user install (no elevation) goes without it and relies on the
; Python socket guard; docs/architecture.md ("The network") says so.
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall add rule name=""Parley (no network)"" dir=out action=block program=""{app}\parley.exe"" enable=yes profile=any"; Flags: runhidden waituntilterminated; StatusMsg: "Closing the network for Parley..."; Check: IsAdminInstallMode
Filename: "{app}\parley.exe"; Description: "Start Parley"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall delete rule name=""Parley (no network)"""; Flags: runhidden waituntilterminated; RunOnceId: "ParleyFirewallRule"; Check: IsAdminInstallMode

[UninstallDelete]
; Program files only: user data (%LOCALAPPDATA%\parley) is kept unless the user deletes it.
Type: filesandordirs; Name: "{app}\_internal"
