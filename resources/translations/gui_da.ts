<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="da_DK">
<context>
    <name>ExportPanel</name>
    <message>
        <source>3. Save as PDF</source>
        <translation>3. Gem som PDF</translation>
    </message>
    <message>
        <source>Folder for the PDF files</source>
        <translation>Mappe til PDF-filerne</translation>
    </message>
    <message>
        <source>Choose a folder for the PDF files</source>
        <translation>Vælg en mappe til PDF-filerne</translation>
    </message>
    <message>
        <source>Choose the folder for the PDF files</source>
        <translation>Vælg mappen til PDF-filerne</translation>
    </message>
    <message>
        <source>Also save each mail as an .&amp;eml file</source>
        <translation>Gem også hver besked som .&amp;eml-fil</translation>
    </message>
    <message>
        <source>Also save &amp;attachments as files</source>
        <translation>Gem også &amp;vedhæftede filer for sig</translation>
    </message>
    <message>
        <source>Save in f&amp;older:</source>
        <translation>Gem i m&amp;appe:</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>V&amp;ælg…</translation>
    </message>
    <message>
        <source>Save all as &amp;PDF</source>
        <translation>Gem alle som P&amp;DF</translation>
    </message>
    <message>
        <source>Save all messages as PDF</source>
        <translation>Gem alle beskeder som PDF</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annullér</translation>
    </message>
    <message>
        <source>Cancel saving</source>
        <translation>Afbryd gemningen</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fremskridt</translation>
    </message>
    <message>
        <source>Stopping after the current message…</source>
        <translation>Stopper efter den aktuelle besked…</translation>
    </message>
    <message>
        <source>{done} of {total} messages</source>
        <translation>{done} af {total} beskeder</translation>
    </message>
    <message>
        <source>{done} messages so far</source>
        <translation>{done} beskeder indtil nu</translation>
    </message>
    <message>
        <source>estimating time left…</source>
        <translation>beregner den resterende tid…</translation>
    </message>
    <message>
        <source>less than a minute left</source>
        <translation>under et minut tilbage</translation>
    </message>
    <message>
        <source>about 1 minute left</source>
        <translation>ca. 1 minut tilbage</translation>
    </message>
    <message>
        <source>about {n} minutes left</source>
        <translation>ca. {n} minutter tilbage</translation>
    </message>
    <message>
        <source>about {n} hours left</source>
        <translation>ca. {n} timer tilbage</translation>
    </message>
</context>
<context>
    <name>KeyPanel</name>
    <message>
        <source>1. Your key files</source>
        <translation>1. Dine nøglefiler</translation>
    </message>
    <message>
        <source>Add the key file you saved from NemID (a .p12 or .pfx file). Add all of them if you have several: each one opens the mail of its own years. You can also drop key files here.</source>
        <translation>Tilføj den nøglefil, du gemte fra NemID (en .p12- eller .pfx-fil). Tilføj dem alle, hvis du har flere: Hver af dem åbner beskederne fra sine egne år. Du kan også trække nøglefiler herhen.</translation>
    </message>
    <message>
        <source>Key files</source>
        <translation>Nøglefiler</translation>
    </message>
    <message>
        <source>Add &amp;key file…</source>
        <translation>Tilføj &amp;nøglefil…</translation>
    </message>
    <message>
        <source>Add key file</source>
        <translation>Tilføj nøglefil</translation>
    </message>
    <message>
        <source>Recent</source>
        <translation>Seneste</translation>
    </message>
    <message>
        <source>Recent key files</source>
        <translation>Seneste nøglefiler</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Fjern</translation>
    </message>
    <message>
        <source>Remove the chosen key file</source>
        <translation>Fjern den valgte nøglefil</translation>
    </message>
    <message>
        <source>Forget password</source>
        <translation>Glem adgangskode</translation>
    </message>
    <message>
        <source>Forget the saved password</source>
        <translation>Glem den gemte adgangskode</translation>
    </message>
    <message>
        <source>Choose key files</source>
        <translation>Vælg nøglefiler</translation>
    </message>
    <message>
        <source>Key files (*.p12 *.pfx *.pem *.key *.der *.crt *.cer *.htm *.html *.txt)</source>
        <translation>Nøglefiler (*.p12 *.pfx *.pem *.key *.der *.crt *.cer *.htm *.html *.txt)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle filer (*)</translation>
    </message>
    <message>
        <source>{file} holds certificates but no private key, so it cannot open mail. Look for the key file (.p12 or .pfx) saved at the same time.</source>
        <translation>{file} indeholder certifikater, men ingen privat nøgle, så den kan ikke åbne beskeder. Kig efter den nøglefil (.p12 eller .pfx), der blev gemt samtidig.</translation>
    </message>
    <message>
        <source>That password did not open the key file. Check Caps Lock and the keyboard language, and try again.</source>
        <translation>Den adgangskode kunne ikke åbne nøglefilen. Tjek Caps Lock og tastaturets sprog, og prøv igen.</translation>
    </message>
    <message>
        <source>The saved password no longer opens this key file. Type it again.</source>
        <translation>Den gemte adgangskode åbner ikke længere nøglefilen. Indtast den igen.</translation>
    </message>
    <message>
        <source>{file} could not be read ({error}).</source>
        <translation>{file} kunne ikke læses ({error}).</translation>
    </message>
    <message>
        <source>The key files could not be loaded ({error}).</source>
        <translation>Nøglefilerne kunne ikke indlæses ({error}).</translation>
    </message>
    <message>
        <source>no usable key in this file</source>
        <translation>ingen brugbar nøgle i denne fil</translation>
    </message>
    <message>
        <source>key without certificate</source>
        <translation>nøgle uden certifikat</translation>
    </message>
    <message>
        <source>valid {start} – {end}</source>
        <translation>gyldig {start} – {end}</translation>
    </message>
    <message>
        <source>opens 1 message</source>
        <translation>åbner 1 besked</translation>
    </message>
    <message>
        <source>opens {n} messages</source>
        <translation>åbner {n} beskeder</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>smime-archiver – read your old secure mail</source>
        <translation>smime-archiver – læs din gamle sikre post</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Filer</translation>
    </message>
    <message>
        <source>Add &amp;key file…</source>
        <translation>Tilføj &amp;nøglefil…</translation>
    </message>
    <message>
        <source>Add &amp;mailbox file…</source>
        <translation>Tilføj &amp;postkassefil…</translation>
    </message>
    <message>
        <source>Add mail fol&amp;der…</source>
        <translation>Tilføj post&amp;mappe…</translation>
    </message>
    <message>
        <source>&amp;Save all as PDF…</source>
        <translation>&amp;Gem alle som PDF…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Afslut</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Søg</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>&amp;Indstillinger</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Sprog</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>Som systemet</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hjælp</translation>
    </message>
    <message>
        <source>&amp;About smime-archiver</source>
        <translation>&amp;Om smime-archiver</translation>
    </message>
    <message>
        <source>Sea&amp;rch:</source>
        <translation>S&amp;øg:</translation>
    </message>
    <message>
        <source>Sender, subject or date</source>
        <translation>Afsender, emne eller dato</translation>
    </message>
    <message>
        <source>Search the messages</source>
        <translation>Søg i beskederne</translation>
    </message>
    <message>
        <source>Sho&amp;w:</source>
        <translation>Vi&amp;s:</translation>
    </message>
    <message>
        <source>Show which messages</source>
        <translation>Vis hvilke beskeder</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>Alle beskeder</translation>
    </message>
    <message>
        <source>Not encrypted or only signed</source>
        <translation>Ikke krypteret eller kun underskrevet</translation>
    </message>
    <message>
        <source>Damaged or unreadable</source>
        <translation>Beskadiget eller ulæselig</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Beskeder</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Read your old secure mail&lt;/h2&gt;&lt;p&gt;1. Add your NemID key file (.p12 or .pfx) on the left.&lt;/p&gt;&lt;p&gt;2. Add your mail: a mailbox file or a mail folder, or click “Find my mail”.&lt;/p&gt;&lt;p&gt;3. Check the list here, then click “Save all as PDF”.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Læs din gamle sikre post&lt;/h2&gt;&lt;p&gt;1. Tilføj din NemID-nøglefil (.p12 eller .pfx) til venstre.&lt;/p&gt;&lt;p&gt;2. Tilføj din post: en postkassefil eller en postmappe, eller klik på »Find min post«.&lt;/p&gt;&lt;p&gt;3. Se listen her, og klik så på »Gem alle som PDF«.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About smime-archiver</source>
        <translation>Om smime-archiver</translation>
    </message>
    <message>
        <source>smime-archiver {version}

Opens old NemID secure mail with your own key files and saves it as PDF. Nothing is sent anywhere.</source>
        <translation>smime-archiver {version}

Åbner gammel sikker e-mail fra NemID med dine egne nøglefiler og gemmer den som PDF. Intet bliver sendt nogen steder hen.</translation>
    </message>
    <message>
        <source>Reading the mail stopped: {error}</source>
        <translation>Læsningen af posten stoppede: {error}</translation>
    </message>
    <message>
        <source>No mail added yet.</source>
        <translation>Der er ikke tilføjet nogen post endnu.</translation>
    </message>
    <message>
        <source>1 message</source>
        <translation>1 besked</translation>
    </message>
    <message>
        <source>{n} messages</source>
        <translation>{n} beskeder</translation>
    </message>
    <message>
        <source>Reading your mail… {progress}</source>
        <translation>Læser din post… {progress}</translation>
    </message>
    <message>
        <source>Add your mail first (step 2).</source>
        <translation>Tilføj først din post (trin 2).</translation>
    </message>
    <message>
        <source>Saving failed</source>
        <translation>Gemningen mislykkedes</translation>
    </message>
</context>
<context>
    <name>MessageTableModel</name>
    <message>
        <source>Date</source>
        <translation>Dato</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Fra</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Emne</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Password for your key file</source>
        <translation>Adgangskode til din nøglefil</translation>
    </message>
    <message>
        <source>The key file {file} is protected by a password. Type the password you chose when you saved the key file.</source>
        <translation>Nøglefilen {file} er beskyttet af en adgangskode. Indtast den adgangskode, du valgte, da du gemte nøglefilen.</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Adgangskode:</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Adgangskode</translation>
    </message>
    <message>
        <source>S&amp;how the password</source>
        <translation>&amp;Vis adgangskoden</translation>
    </message>
    <message>
        <source>&amp;Remember the password on this computer</source>
        <translation>&amp;Husk adgangskoden på denne computer</translation>
    </message>
    <message>
        <source>Remember the password on this computer</source>
        <translation>Husk adgangskoden på denne computer</translation>
    </message>
    <message>
        <source>It is kept in the system&apos;s safe password store, never in a file. You can make the program forget it again.</source>
        <translation>Den gemmes i systemets sikre nøglering, aldrig i en fil. Du kan få programmet til at glemme den igen.</translation>
    </message>
    <message>
        <source>The password cannot be remembered here: this computer only offers an unsafe password store ({backend}). You will be asked each time.</source>
        <translation>Adgangskoden kan ikke huskes her: Denne computer har kun en usikker nøglering ({backend}). Du bliver spurgt hver gang.</translation>
    </message>
    <message>
        <source>The password cannot be remembered here: this computer has no safe password store (keyring). You will be asked each time.</source>
        <translation>Adgangskoden kan ikke huskes her: Denne computer har ingen sikker nøglering. Du bliver spurgt hver gang.</translation>
    </message>
    <message>
        <source>&amp;Open key file</source>
        <translation>&amp;Åbn nøglefil</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annullér</translation>
    </message>
</context>
<context>
    <name>Preview</name>
    <message>
        <source>Encrypted part {part}</source>
        <translation>Krypteret del {part}</translation>
    </message>
</context>
<context>
    <name>PreviewPane</name>
    <message>
        <source>From:</source>
        <translation>Fra:</translation>
    </message>
    <message>
        <source>To:</source>
        <translation>Til:</translation>
    </message>
    <message>
        <source>Date:</source>
        <translation>Dato:</translation>
    </message>
    <message>
        <source>Attachmen&amp;ts:</source>
        <translation>Vedhæftede fi&amp;ler:</translation>
    </message>
    <message>
        <source>Sa&amp;ve as…</source>
        <translation>&amp;Gem som…</translation>
    </message>
    <message>
        <source>Save the chosen attachment as a file</source>
        <translation>Gem den valgte vedhæftede fil</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Vedhæftede filer</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>Beskedens tekst</translation>
    </message>
    <message>
        <source>How this message was protected</source>
        <translation>Hvordan beskeden var beskyttet</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Emne</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Visning</translation>
    </message>
    <message>
        <source>Choose a message in the list to read it here.</source>
        <translation>Vælg en besked i listen for at læse den her.</translation>
    </message>
    <message>
        <source>Opening the message…</source>
        <translation>Åbner beskeden…</translation>
    </message>
    <message>
        <source>This message could not be read again from {file}. Check that the mailbox is still there and add it again.</source>
        <translation>Beskeden kunne ikke læses igen fra {file}. Tjek at postkassen stadig findes, og tilføj den igen.</translation>
    </message>
    <message>
        <source>(no subject)</source>
        <translation>(intet emne)</translation>
    </message>
    <message>
        <source>The content of this message could not be opened, so it cannot be shown.</source>
        <translation>Beskedens indhold kunne ikke åbnes, så det kan ikke vises.</translation>
    </message>
    <message>
        <source>Save attachment</source>
        <translation>Gem vedhæftet fil</translation>
    </message>
    <message>
        <source>The attachment could not be saved as {file} ({error}). Choose another folder.</source>
        <translation>Den vedhæftede fil kunne ikke gemmes som {file} ({error}). Vælg en anden mappe.</translation>
    </message>
</context>
<context>
    <name>SourcePanel</name>
    <message>
        <source>2. Your mail</source>
        <translation>2. Din post</translation>
    </message>
    <message>
        <source>Add the mail you want to keep: a mailbox file, a mail folder or a whole Thunderbird profile. You can also drop files and folders here.</source>
        <translation>Tilføj den post, du vil gemme: en postkassefil, en postmappe eller en hel Thunderbird-profil. Du kan også trække filer og mapper herhen.</translation>
    </message>
    <message>
        <source>Mailboxes and mail folders</source>
        <translation>Postkasser og postmapper</translation>
    </message>
    <message>
        <source>Add &amp;mailbox file…</source>
        <translation>Tilføj &amp;postkassefil…</translation>
    </message>
    <message>
        <source>Add mailbox file</source>
        <translation>Tilføj postkassefil</translation>
    </message>
    <message>
        <source>Add mail fol&amp;der…</source>
        <translation>Tilføj post&amp;mappe…</translation>
    </message>
    <message>
        <source>Add mail folder</source>
        <translation>Tilføj postmappe</translation>
    </message>
    <message>
        <source>Find my ma&amp;il</source>
        <translation>Find min p&amp;ost</translation>
    </message>
    <message>
        <source>Usual places for mail on this computer</source>
        <translation>De sædvanlige steder for post på denne computer</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Fjern</translation>
    </message>
    <message>
        <source>Remove the chosen mailbox</source>
        <translation>Fjern den valgte postkasse</translation>
    </message>
    <message>
        <source>Choose mailbox files</source>
        <translation>Vælg postkassefiler</translation>
    </message>
    <message>
        <source>Choose a mail folder</source>
        <translation>Vælg en postmappe</translation>
    </message>
    <message>
        <source>No Thunderbird, Apple Mail or Outlook mail found in the usual places</source>
        <translation>Ingen post fra Thunderbird, Apple Mail eller Outlook fundet de sædvanlige steder</translation>
    </message>
    <message>
        <source>Thunderbird profile “{name}”</source>
        <translation>Thunderbird-profilen »{name}«</translation>
    </message>
    <message>
        <source>Apple Mail</source>
        <translation>Apple Mail</translation>
    </message>
    <message>
        <source>Outlook files in {folder}</source>
        <translation>Outlook-filer i {folder}</translation>
    </message>
</context>
<context>
    <name>SummaryDialog</name>
    <message>
        <source>Saving finished</source>
        <translation>Gemningen er færdig</translation>
    </message>
    <message>
        <source>Cancelled. {archived} of the {total} messages read so far were saved as PDF in {folder}.</source>
        <translation>Afbrudt. {archived} af de {total} beskeder, der blev læst indtil da, er gemt som PDF i {folder}.</translation>
    </message>
    <message>
        <source>Done. {archived} of {total} messages were saved as PDF in {folder}.</source>
        <translation>Færdig. {archived} af {total} beskeder er gemt som PDF i {folder}.</translation>
    </message>
    <message>
        <source>These messages need another key file. Add the key file the text names, then save again.</source>
        <translation>Disse beskeder kræver en anden nøglefil. Tilføj den nøglefil, som teksten nævner, og gem så igen.</translation>
    </message>
    <message>
        <source>These messages could not be saved:</source>
        <translation>Disse beskeder kunne ikke gemmes:</translation>
    </message>
    <message>
        <source>Every message was saved.</source>
        <translation>Alle beskeder er gemt.</translation>
    </message>
    <message>
        <source>Messages that were not saved</source>
        <translation>Beskeder, der ikke blev gemt</translation>
    </message>
    <message>
        <source>&amp;Open folder</source>
        <translation>&amp;Åbn mappe</translation>
    </message>
    <message>
        <source>Open the folder with the PDF files</source>
        <translation>Åbn mappen med PDF-filerne</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Luk</translation>
    </message>
</context>
</TS>
