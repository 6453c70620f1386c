package jp.kenkotecho.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import jp.kenkotecho.app.ui.AppRoot
import jp.kenkotecho.app.ui.theme.KenkoTechoTheme

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val holder = (application as KenkoTechoApp).core
        setContent { KenkoTechoTheme { AppRoot(holder) } }
    }
}
